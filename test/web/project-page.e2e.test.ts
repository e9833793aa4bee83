/**
 * The project page in headless Chromium: the copy buttons (copy.js, the
 * pages' only script) put the clone URLs on the clipboard; a screenshot of
 * the page lands in test-output/web/.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { databaseKinds } from '../support/databases.js';
import { PASSWORD, startGateway, type Gateway } from '../support/gateway.js';
import { describeWithBrowser, launchBrowser, screenshot, type BrowserSession } from './support/browser.js';
import { submitPassword } from './support/pages.js';

describeWithBrowser().each(databaseKinds())('the project page in a browser on %s', (kind) => {
  let gw: Gateway;
  let browser: BrowserSession;
  let page: Page;

  beforeAll(async () => {
    gw = await startGateway(kind, { ssh: true });
    const dana = await gw.createUser('dana');
    const project = await gw.system.projects.create(
      { id: dana.id, username: dana.username, isAdmin: false },
      { name: 'Web App', path: 'app', description: 'The storefront and its build scripts.' },
    );
    await gw.seedCommit(project);
    browser = await launchBrowser();
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: gw.url });
    page = await browser.context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
  });

  it('copies the SSH and HTTP clone URLs', async () => {
    await submitPassword(page, gw.url, 'dana', PASSWORD);
    await page.goto(`${gw.url}/dana/app`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain('Web App');
    const ssh = await page.getByLabel('Clone with SSH').inputValue();
    expect(ssh).toBe(`ssh://git@127.0.0.1:${gw.sshPort}/dana/app.git`);
    const buttons = page.getByRole('button', { name: 'Copy URL' });
    await buttons.first().click();
    await expect(page.evaluate('navigator.clipboard.readText()')).resolves.toBe(ssh);
    await buttons.last().click();
    await expect(page.evaluate('navigator.clipboard.readText()')).resolves.toBe(await page.getByLabel('Clone with HTTP').inputValue());
    await page.getByRole('button', { name: 'Copy URL' }).first().waitFor();
    await screenshot(page, `${kind}-project-page`);
    if (kind === 'sqlite') await screenshot(page, 'project-page');
  });
});
