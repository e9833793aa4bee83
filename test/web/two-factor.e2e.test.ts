/**
 * Two-factor authentication in headless Chromium: signing in with a TOTP
 * code computed from the secret, and a person enabling 2FA through the page
 * (QR code, secret, recovery codes), after which git wants a token.
 */
import { authenticator } from 'otplib';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { PASSWORD, startGateway, type Gateway } from '../support/gateway.js';
import { authUrl, git, tempDir } from '../support/git-cli.js';
import { describeWithBrowser, launchBrowser, screenshot, type BrowserSession } from './support/browser.js';
import { createToken, signOut, submitPassword, TOKENS_PATH, TWO_FACTOR_PATH } from './support/pages.js';

describeWithBrowser().each(databaseKinds())('two-factor authentication in Chromium on %s', (kind) => {
  let gw: Gateway;
  let browser: BrowserSession;
  let page: Page;

  // TwoFactorService checks codes against the gateway's clock, so make them from it too.
  const totp = (secret: string): string => authenticator.clone({ epoch: gw.clock.now().getTime() }).generate(secret);
  const wrongCode = (secret: string): string => (totp(secret) === '123456' ? '654321' : '123456');
  const clone = (repo: string, username: string, secret: string) =>
    git(['clone', '--bare', authUrl(gw.url, `${repo}.git`, username, secret), tempDir()]);

  beforeAll(async () => {
    gw = await startGateway(kind);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
  });
  beforeEach(async () => {
    await browser.context.clearCookies();
    page = await browser.context.newPage();
  });

  it('asks a 2FA user for the code: a wrong one is refused, the right one signs in', async () => {
    const carol = await gw.createUser('carol');
    const { secret } = await gw.system.twoFactor.enableNow(carol);
    await submitPassword(page, gw.url, 'carol', PASSWORD);
    await page.getByRole('heading', { name: 'Two-factor authentication', exact: true }).waitFor();
    await screenshot(page, `${kind}-sign-in-code`);

    await page.getByLabel('Verification code').fill(wrongCode(secret));
    await page.getByRole('button', { name: 'Verify code' }).click();
    await expect(page.getByRole('alert').innerText()).resolves.toBe('Invalid two-factor code.');
    await screenshot(page, `${kind}-sign-in-code-wrong`);
    await page.goto(`${gw.url}${TOKENS_PATH}`);
    await expect(page.getByLabel('Verification code').count()).resolves.toBe(1);

    await page.getByLabel('Verification code').fill(totp(secret));
    await page.getByRole('button', { name: 'Verify code' }).click();
    await page.waitForURL(`${gw.url}${TOKENS_PATH}`);
    await page.getByRole('heading', { name: 'Personal access tokens', exact: true }).waitFor();
  });

  it('enables 2FA through the page; then git refuses the password and takes a new token', async () => {
    const erin = await gw.createUser('erin');
    const project = await gw.createProject(erin, 'notes');
    await gw.seedCommit(project);
    expect((await clone('erin/notes', 'erin', PASSWORD)).code).toBe(0);

    await submitPassword(page, gw.url, 'erin', PASSWORD);
    await page.getByRole('link', { name: 'Two-factor authentication' }).click();
    await page.waitForURL(`${gw.url}${TWO_FACTOR_PATH}`);
    const qr = page.getByRole('img', { name: 'QR code to scan with your authenticator app' });
    const src = (await qr.getAttribute('src')) ?? '';
    expect(src).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(Buffer.from(src.split(',')[1]!, 'base64').toString()).toContain('<svg');
    await expect(page.evaluate("document.querySelector('img.qr').naturalWidth")).resolves.toBeGreaterThan(0);
    const secret = (await page.locator('#otp-secret').innerText()).replace(/\s+/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await screenshot(page, `${kind}-two-factor-setup`);

    await page.getByLabel('Verification code').fill(wrongCode(secret));
    await page.getByRole('button', { name: 'Register with two-factor app' }).click();
    await expect(page.getByRole('alert').innerText()).resolves.toContain('Invalid pin code');
    await page.getByLabel('Verification code').fill(totp(secret));
    await page.getByRole('button', { name: 'Register with two-factor app' }).click();
    const codes = await page.locator('ol.codes li').allInnerTexts();
    expect(codes).toHaveLength(10);
    await expect(page.getByText('they will not be shown again').isVisible()).resolves.toBe(true);
    await screenshot(page, `${kind}-two-factor-recovery-codes`);
    expect((await gw.system.users.getByUsername('erin')).twoFactorEnabled).toBe(true);
    await page.reload();
    await expect(page.locator('ol.codes').count()).resolves.toBe(0);
    await page.getByText('Two-factor authentication is on.').waitFor();

    const refused = await clone('erin/notes', 'erin', PASSWORD);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/personal access token/);
    await page.getByRole('link', { name: 'Access tokens' }).click();
    const token = await createToken(page, 'after 2FA', ['read_repository']);
    const cloned = await clone('erin/notes', 'erin', token);
    expect(cloned.code, cloned.stderr).toBe(0);

    await signOut(page);
    await submitPassword(page, gw.url, 'erin', PASSWORD);
    await page.getByLabel('Verification code').fill(codes[0]!);
    await page.getByRole('button', { name: 'Verify code' }).click();
    await page.waitForURL(`${gw.url}${TOKENS_PATH}`);

    await page.goto(`${gw.url}${TWO_FACTOR_PATH}`);
    await page.getByLabel('Current password').fill('not-my-password');
    await page.getByRole('button', { name: 'Disable two-factor authentication' }).click();
    await expect(page.getByRole('alert').innerText()).resolves.toBe('You must provide a valid current password.');
    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Disable two-factor authentication' }).click();
    await page.getByText('Two-factor authentication has been disabled.').waitFor();
    expect((await clone('erin/notes', 'erin', PASSWORD)).code).toBe(0);
  });
});
