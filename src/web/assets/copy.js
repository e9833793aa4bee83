// The copy button of the new-token field: the only script of the pages,
// served as a file so the Content-Security-Policy needs no 'unsafe-inline'.
// Without JavaScript the button stays hidden and the field can be selected.
'use strict';

document.addEventListener('DOMContentLoaded', () => {
  for (const button of document.querySelectorAll('button[data-copy-target]')) {
    const field = document.getElementById(button.dataset.copyTarget);
    if (!field) continue;
    const label = button.textContent;
    button.hidden = false;
    button.addEventListener('click', async () => {
      let copied = false;
      try {
        await navigator.clipboard.writeText(field.value);
        copied = true;
      } catch {
        // No clipboard API (an insecure origin): fall back to the selection.
        field.select();
        copied = document.execCommand('copy');
      }
      button.textContent = copied ? 'Copied' : 'Press Ctrl+C to copy';
      setTimeout(() => {
        button.textContent = label;
      }, 2000);
    });
  }
});
