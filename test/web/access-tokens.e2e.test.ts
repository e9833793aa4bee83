/**
 * Settings → Access tokens in headless Chromium: a person creates a token,
 * uses it with the real git client, reloads, revokes it; a token limited to
 * a project, addresses and refs, and a limit the form refuses; prefill
 * links; the `sudo` scope for administrators only. Screenshots go to
 * test-output/web/.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { addDays } from '../../src/lib/dates.js';
import type { Project } from '../../src/projects/project.js';
import type { User } from '../../src/users/user.js';
import { databaseKinds } from '../support/databases.js';
import { PASSWORD, startGateway, type Gateway } from '../support/gateway.js';
import { authUrl, git, gitOk, tempDir } from '../support/git-cli.js';
import { describeWithBrowser, launchBrowser, screenshot, type BrowserSession } from './support/browser.js';
import { createToken, signOut, submitPassword, TOKENS_PATH } from './support/pages.js';

describeWithBrowser().each(databaseKinds())('access tokens page in Chromium on %s', (kind) => {
  let gw: Gateway;
  let browser: BrowserSession;
  let page: Page;
  let dana: User;
  let project: Project;
  let other: Project;

  beforeAll(async () => {
    gw = await startGateway(kind);
    dana = await gw.createUser('dana');
    await gw.createUser('admin1', { admin: true });
    project = await gw.createProject(dana, 'app');
    other = await gw.createProject(dana, 'other');
    await Promise.all([project, other].map((p) => gw.seedCommit(p)));
    // Tokens made elsewhere earlier, so the table shows what a real one does.
    const ci = await gw.createToken(dana, ['read_repository'], { name: 'CI runner', expiresAt: addDays(gw.system.tokens.today(), 90) });
    await gw.createToken(dana, ['api', 'write_repository'], { name: 'Release script' });
    await git(['ls-remote', authUrl(gw.url, 'dana/app.git', 'ci', ci.token)]);
    await gw.system.tokens.flushUsage();
    browser = await launchBrowser();
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: gw.url });
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
  });
  beforeEach(async () => {
    await browser.context.clearCookies();
    page = await browser.context.newPage();
  });

  const clone = (token: string) => git(['clone', '--bare', authUrl(gw.url, 'dana/app.git', 'dana', token), tempDir()]);
  async function push(token: string) {
    const dir = tempDir();
    await gitOk(['clone', '-q', gw.repoPath(project), dir]);
    await gitOk(['-C', dir, 'commit', '-q', '--allow-empty', '-m', 'change']);
    return git(['-C', dir, 'push', authUrl(gw.url, 'dana/app.git', 'dana', token), 'HEAD:refs/heads/topic']);
  }

  it('creates a read_repository token shown once, clones with it, cannot push, and revokes it', async () => {
    await submitPassword(page, gw.url, 'dana', PASSWORD);
    await page.waitForURL(`${gw.url}${TOKENS_PATH}`);
    await screenshot(page, `${kind}-access-tokens-empty-form`);

    const expiry = addDays(gw.system.tokens.today(), 30);
    const token = await createToken(page, 'laptop clone', ['read_repository'], expiry);
    expect(token).toMatch(/^glpat-[A-Za-z0-9]{20,}/);
    await expect(page.getByText("Make sure you save it — you won't be able to access it again.").isVisible()).resolves.toBe(true);
    await page.getByRole('button', { name: 'Copy token' }).click();
    await expect(page.evaluate('navigator.clipboard.readText()')).resolves.toBe(token);
    await expect(page.getByRole('button', { name: 'Copied' }).count()).resolves.toBe(1);
    // The token's row; the recent events table below names the token too.
    const tokensTable = page.getByRole('table', { name: /Active personal access tokens/ });
    const row = tokensTable.getByRole('row', { name: /laptop clone/ });
    await expect(row.innerText()).resolves.toMatch(new RegExp(`read_repository[\\s\\S]*Never[\\s\\S]*${expiry}`));
    await page.getByRole('button', { name: 'Copy token' }).waitFor();
    await screenshot(page, `${kind}-access-tokens-created`);
    if (kind === 'sqlite') await screenshot(page, 'access-tokens');

    const cloned = await clone(token);
    expect(cloned.code, cloned.stderr).toBe(0);
    const pushed = await push(token);
    expect(pushed.code).not.toBe(0);
    expect(pushed.stderr).toMatch(/403|write_repository/);

    await page.reload();
    await expect(page.getByRole('textbox', { name: 'Your new personal access token' }).count()).resolves.toBe(0);
    await expect(page.content()).resolves.not.toContain(token);
    await expect(row.count()).resolves.toBe(1);

    await row.locator('summary', { hasText: 'Revoke' }).click();
    await expect(row.getByText('This cannot be undone.').isVisible()).resolves.toBe(true);
    await screenshot(page, `${kind}-access-tokens-revoke-confirm`);
    await row.getByRole('button', { name: 'Revoke token' }).click();
    await page.getByText('Revoked personal access token laptop clone!').waitFor();
    await expect(tokensTable.getByRole('row', { name: /laptop clone/ }).count()).resolves.toBe(0);
    const events = page.getByRole('table', { name: 'Recent security events' });
    await expect(events.getByRole('row', { name: /laptop clone/ }).allInnerTexts()).resolves.toEqual([
      expect.stringContaining('Personal access token "laptop clone" revoked'),
      expect.stringContaining('Personal access token "laptop clone" used from a new address'),
      expect.stringContaining('Personal access token "laptop clone" created'),
    ]);
    await screenshot(page, `${kind}-access-tokens-revoked`);

    const refused = await clone(token);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/Authentication failed|401|Access denied/);
  });

  it('creates a token limited to one project, addresses and refs, shows its limits, and git keeps to them', async () => {
    await submitPassword(page, gw.url, 'dana', PASSWORD);
    await page.getByLabel('Token name').fill('bot pusher');
    await page.getByLabel('write_repository', { exact: true }).check();
    await page.locator('summary', { hasText: 'Limit the token' }).click();
    await page.getByLabel('dana/app', { exact: true }).check();
    await page.getByLabel('Allowed addresses').fill('127.0.0.1, 10.0.0.0/8');
    await page.getByLabel('Refs a push may update').fill('refs/heads/bot/*');
    await page.getByLabel('Allow force-push').uncheck();
    await screenshot(page, `${kind}-access-tokens-limits-form`);
    await page.getByRole('button', { name: 'Create personal access token' }).click();
    const field = page.getByRole('textbox', { name: 'Your new personal access token' });
    await field.waitFor();
    const token = await field.inputValue();
    const row = page.getByRole('row', { name: /bot pusher/ });
    await expect(row.getByRole('cell').nth(2).innerText()).resolves.toBe('projects: dana/app; from 127.0.0.1, 10.0.0.0/8; push: refs/heads/bot/*; no force-push');
    await expect(page.getByRole('row', { name: /Release script/ }).getByRole('cell').nth(2).innerText()).resolves.toBe('None');
    await screenshot(page, `${kind}-access-tokens-limits-table`);

    expect((await clone(token)).code).toBe(0);
    const elsewhere = await git(['clone', '--bare', authUrl(gw.url, 'dana/other.git', 'dana', token), tempDir()]);
    expect(elsewhere.stderr).toMatch(/could not be found/);
    const pushed = await push(token);
    expect(pushed.code).not.toBe(0);
    expect(pushed.stderr).toContain('refs/heads/topic: this token may push only to refs/heads/bot/*');
  });

  it('refuses a limit it cannot read, names the field, and keeps the rest of the form', async () => {
    await submitPassword(page, gw.url, 'dana', PASSWORD);
    await page.getByLabel('Token name').fill('typo');
    await page.getByLabel('read_repository', { exact: true }).check();
    await page.locator('summary', { hasText: 'Limit the token' }).click();
    await page.getByLabel('dana/other', { exact: true }).check();
    await page.getByLabel('Allowed addresses').fill('10.0.0.0/33');
    await page.getByLabel('Allow deleting refs').uncheck();
    await page.getByRole('button', { name: 'Create personal access token' }).click();
    await page.getByRole('alert').waitFor();
    await expect(page.getByRole('alert').innerText()).resolves.toContain('allowed_ips does not have a valid value: 10.0.0.0/33 is not an address or CIDR');
    await expect(page.getByLabel('Allowed addresses').getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(page.getByLabel('Allowed addresses').isVisible()).resolves.toBe(true);
    await expect(page.getByLabel('dana/other', { exact: true }).isChecked()).resolves.toBe(true);
    await expect(page.getByLabel('Allow deleting refs').isChecked()).resolves.toBe(false);
    await expect(page.getByLabel('Allow force-push').isChecked()).resolves.toBe(true);
    await expect(page.getByLabel('Token name').inputValue()).resolves.toBe('typo');
    await screenshot(page, `${kind}-access-tokens-limits-error`);
    await expect(page.getByRole('row', { name: /typo/ }).count()).resolves.toBe(0);
  });

  it('prefills the form from the query string, as GitLab does', async () => {
    await submitPassword(page, gw.url, 'dana', PASSWORD);
    await page.goto(`${gw.url}${TOKENS_PATH}?name=Deploy%20%3Cbot%3E&scopes=api,read_user,nonsense`);
    await expect(page.getByLabel('Token name').inputValue()).resolves.toBe('Deploy <bot>');
    await expect(page.getByLabel('api', { exact: true }).isChecked()).resolves.toBe(true);
    await expect(page.getByLabel('read_user', { exact: true }).isChecked()).resolves.toBe(true);
    await expect(page.getByLabel('read_api', { exact: true }).isChecked()).resolves.toBe(false);
  });

  it('shows sudo to administrators only, and refuses it forged into a non-admin post', async () => {
    await submitPassword(page, gw.url, 'dana', PASSWORD);
    await expect(page.getByLabel('sudo', { exact: true }).count()).resolves.toBe(0);
    await page.getByLabel('Token name').fill('forged sudo');
    await page.getByLabel('read_api', { exact: true }).check();
    // What a person with the browser's developer tools can do.
    await page.evaluate(`(() => {
      const forged = Object.assign(document.createElement('input'), { type: 'hidden', name: 'scopes', value: 'sudo' });
      document.querySelector('form[action$="/personal_access_tokens"]').append(forged);
    })()`);
    await page.getByRole('button', { name: 'Create personal access token' }).click();
    await page.getByRole('alert').waitFor();
    await expect(page.getByRole('alert').innerText()).resolves.toContain('scopes sudo can only be granted to administrators');
    await expect(page.getByLabel('Token name').inputValue()).resolves.toBe('forged sudo');
    await screenshot(page, `${kind}-access-tokens-forged-sudo`);
    const { tokens } = await gw.system.tokens.list({ id: dana.id, username: 'dana', isAdmin: false }, { userId: dana.id });
    expect(tokens.map((t) => t.name)).not.toContain('forged sudo');

    await signOut(page);
    await submitPassword(page, gw.url, 'admin1', PASSWORD);
    await expect(page.getByLabel('sudo', { exact: true }).count()).resolves.toBe(1);
  });

  it('reads well on a phone', async () => {
    await submitPassword(page, gw.url, 'dana', PASSWORD);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, `${kind}-access-tokens-phone`);
  });
});
