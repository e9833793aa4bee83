/**
 * Cross-site request forgery in headless Chromium: a form post from the page
 * without its token is refused, and a page on another site that posts to the
 * revoke URL of a signed-in user revokes nothing.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { Identity } from '../../src/identity/principal.js';
import type { User } from '../../src/users/user.js';
import { databaseKinds } from '../support/databases.js';
import { PASSWORD, startGateway, type Gateway } from '../support/gateway.js';
import { describeWithBrowser, launchBrowser, screenshot, type BrowserSession } from './support/browser.js';
import { submitPassword, TOKENS_PATH } from './support/pages.js';

describeWithBrowser().each(databaseKinds())('CSRF protection in Chromium on %s', (kind) => {
  let gw: Gateway;
  let browser: BrowserSession;
  let page: Page;
  let frank: User;
  let me: Identity;
  let attacker: http.Server;
  let attackerTarget = '';

  beforeAll(async () => {
    gw = await startGateway(kind);
    frank = await gw.createUser('frank');
    me = { id: frank.id, username: frank.username, isAdmin: false };
    // Another site: same machine, but reached as "localhost" while gitgate is
    // "127.0.0.1", so the browser treats it as cross-site.
    attacker = http.createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(
        `<!doctype html><title>Win a prize</title>
        <form id="f" method="post" action="${attackerTarget}"><input name="authenticity_token" value="guessed"></form>
        <script>document.getElementById('f').submit()</script>`,
      );
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => attacker?.close(resolve));
    await gw?.stop();
  });
  beforeEach(async () => {
    await browser.context.clearCookies();
    page = await browser.context.newPage();
  });

  const isActive = async (id: number): Promise<boolean> => gw.system.tokens.isActive(await gw.system.tokens.get(me, id));

  it('refuses a form post of the page without its CSRF token', async () => {
    const { id } = await gw.createToken(frank, ['read_repository'], { name: 'keep me' });
    await submitPassword(page, gw.url, 'frank', PASSWORD);
    await page.waitForURL(`${gw.url}${TOKENS_PATH}`);
    await page.evaluate(`document.querySelectorAll('form[action$="/revoke"] input[name=authenticity_token]').forEach((i) => i.remove())`);
    await page.locator('summary', { hasText: 'Revoke' }).click();
    const response = page.waitForResponse((r) => r.url().endsWith(`/${id}/revoke`));
    await page.getByRole('button', { name: 'Revoke token' }).click();
    expect((await response).status()).toBe(403);
    await page.getByText('Reload the page and try again').waitFor();
    await screenshot(page, `${kind}-csrf-refused`);
    expect(await isActive(id)).toBe(true);

    await page.goto(`${gw.url}${TOKENS_PATH}`);
    await page.locator('summary', { hasText: 'Revoke' }).click();
    await page.getByRole('button', { name: 'Revoke token' }).click();
    await page.getByText('Revoked personal access token keep me!').waitFor();
    expect(await isActive(id)).toBe(false);
  });

  it('a page on another site cannot revoke a signed-in user’s token', async () => {
    const { id } = await gw.createToken(frank, ['read_repository'], { name: 'target' });
    await submitPassword(page, gw.url, 'frank', PASSWORD);
    await page.waitForURL(`${gw.url}${TOKENS_PATH}`);
    attackerTarget = `${gw.url}${TOKENS_PATH}/${id}/revoke`;
    const response = page.waitForResponse((r) => r.url() === attackerTarget);
    await page.goto(`http://localhost:${(attacker.address() as AddressInfo).port}/`);
    expect((await response).status()).toBe(403);
    await screenshot(page, `${kind}-csrf-cross-site`);
    expect(await isActive(id)).toBe(true);
    await page.goto(`${gw.url}${TOKENS_PATH}`);
    const tokens = page.getByRole('table', { name: /Active personal access tokens/ });
    await expect(tokens.getByRole('row', { name: /target/ }).count()).resolves.toBe(1);
  });
});
