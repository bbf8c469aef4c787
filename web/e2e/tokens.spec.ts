// Tokens in use: an access token that expires mid-use is recovered by one
// refresh after the 401, and two tabs that refresh at once stay signed in —
// with the gateway's refresh-reuse grace at 0, so only the client's
// cross-tab lock keeps them from presenting a rotated token twice.
import { expect, test, type Page, type Response } from '@playwright/test';
import { ACCESS_TTL_SECONDS } from '../playwright.config';
import { expectNoVisibleError, signUp, uniqueName } from './helpers';

function watch(page: Page) {
  const seen: { url: string; status: number }[] = [];
  page.on('response', (r: Response) => {
    if (r.request().method() !== 'OPTIONS') seen.push({ url: new URL(r.url()).pathname, status: r.status() });
  });
  return seen;
}

const waitPast = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

test('an access token that expires mid-use is refreshed after the 401 without a visible error', async ({ page }) => {
  // Freeze the page's clock: its timer cannot refresh ahead of expiry, so the
  // first request after expiry goes out with a dead token and gets a 401.
  await page.clock.install();
  await signUp(page, uniqueName('sleepy'));
  await page.clock.pauseAt(Date.now() + 1000);
  const seen = watch(page);
  await waitPast(ACCESS_TTL_SECONDS + 2);

  await page.getByRole('link', { name: 'Orders', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'My orders' })).toBeVisible();
  await expect(page.getByText('No orders yet.')).toBeVisible();
  await expectNoVisibleError(page);
  expect(seen.filter((r) => r.url === '/orders').map((r) => r.status)).toEqual([401, 200]);
  expect(seen.filter((r) => r.url === '/auth/refresh').map((r) => r.status)).toEqual([200]);
});

test('a page left open keeps working across several token lifetimes', async ({ page }) => {
  await signUp(page, uniqueName('steady'));
  const seen = watch(page);
  for (let round = 0; round < 3; round += 1) {
    await waitPast(ACCESS_TTL_SECONDS / 2);
    await page.getByRole('link', { name: round % 2 ? 'Cart' : 'Orders', exact: true }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(round % 2 ? 'Your cart' : 'My orders');
    await expectNoVisibleError(page);
  }
  expect(seen.filter((r) => r.url === '/auth/refresh').length).toBeGreaterThan(0);
  expect(seen.filter((r) => r.status === 401)).toEqual([]);
});

test('two tabs refreshing at once both stay signed in', async ({ context }) => {
  const first = await context.newPage();
  const username = uniqueName('tabs');
  await signUp(first, username);
  const second = await context.newPage();
  await second.goto('/orders');
  await expect(second.getByTestId('signed-in-as')).toContainText(username);

  // Both tabs reload at the same moment: both refresh with the one stored token.
  const refreshes: number[] = [];
  for (const tab of [first, second]) tab.on('response', (r) => r.url().endsWith('/auth/refresh') && refreshes.push(r.status()));
  await Promise.all([first.reload(), second.reload()]);
  for (const tab of [first, second]) {
    await expect(tab.getByTestId('signed-in-as')).toContainText(username);
  }
  // And again after their access tokens expired, both with a request in flight.
  await waitPast(ACCESS_TTL_SECONDS + 1);
  await Promise.all([first.goto('/orders'), second.goto('/cart')]);
  await expect(first.getByRole('heading', { name: 'My orders' })).toBeVisible();
  await expect(second.getByRole('heading', { name: 'Your cart' })).toBeVisible();
  for (const tab of [first, second]) {
    await expect(tab.getByTestId('signed-in-as')).toContainText(username);
    await expectNoVisibleError(tab);
  }
  expect(refreshes.length).toBeGreaterThanOrEqual(4);
  expect(refreshes.every((s) => s === 200)).toBe(true);

  // Logging out in one tab signs the other out too.
  await first.getByRole('button', { name: 'Log out' }).click();
  await expect(second.getByRole('link', { name: 'Log in' }).first()).toBeVisible();
});
