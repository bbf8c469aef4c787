import { expect, type Page } from '@playwright/test';

export const API = `http://127.0.0.1:${process.env.E2E_API_PORT ?? '3100'}`;

export function uniqueName(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`.slice(0, 32);
}

export async function signUp(page: Page, username: string, password = 'a long shopper password'): Promise<void> {
  await page.goto('/signup');
  await page.getByLabel('Username').fill(username);
  const secret = page.getByLabel('Password', { exact: true });
  // masked, and a password manager may offer a new one (SECURITY.md 6.2.6)
  await expect(secret).toHaveAttribute('type', 'password');
  await expect(secret).toHaveAttribute('autocomplete', 'new-password');
  await secret.fill(password);
  await page.getByLabel('Email (optional)').fill(`${username}@example.com`);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page.getByTestId('signed-in-as')).toContainText(username);
}

export async function logIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Username').fill(username);
  const secret = page.getByLabel('Password');
  await expect(secret).toHaveAttribute('type', 'password');
  await expect(secret).toHaveAttribute('autocomplete', 'current-password');
  await secret.fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByTestId('signed-in-as')).toContainText(username);
}

/** An error the page shows to people (`role=alert`), if any is visible. */
export async function expectNoVisibleError(page: Page): Promise<void> {
  await expect(page.getByRole('alert')).toHaveCount(0);
}
