/** What the browser suites do on the pages, through labels and roles as a person would. */
import type { Page } from 'playwright-core';

export const TOKENS_PATH = '/-/user_settings/personal_access_tokens';
export const TWO_FACTOR_PATH = '/-/user_settings/two_factor_auth';

/** Fills and submits the sign-in form. */
export async function submitPassword(page: Page, baseUrl: string, login: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/users/sign_in`);
  await page.getByLabel('Username or primary email').fill(login);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState();
}

/** Signs out through the button in the top bar. */
export async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/users\/sign_in$/);
}

/** Creates a token through the form and returns the plaintext the page shows once. */
export async function createToken(page: Page, name: string, scopes: string[], expiresAt?: string): Promise<string> {
  await page.getByLabel('Token name').fill(name);
  if (expiresAt) await page.getByLabel(/Expiration date/).fill(expiresAt);
  for (const scope of scopes) await page.getByLabel(scope, { exact: true }).check();
  await page.getByRole('button', { name: 'Create personal access token' }).click();
  const field = page.getByRole('textbox', { name: 'Your new personal access token' });
  await field.waitFor();
  return field.inputValue();
}
