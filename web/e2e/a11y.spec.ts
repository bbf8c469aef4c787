// axe-core on every page, as a visitor, a customer and an admin: no serious
// or critical violation. With SCREENSHOTS=1 it also refreshes docs/screenshots.
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { logIn, signUp, uniqueName } from './helpers';

const SCREENSHOTS = process.env.SCREENSHOTS === '1';

async function check(page: Page, path: string, ready: string | RegExp, shot?: string) {
  await page.goto(path);
  await expect(page.getByRole('heading', { level: 1, name: ready })).toBeVisible();
  await page.waitForLoadState('networkidle');
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  const blocking = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(blocking.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), path).toEqual([]);
  if (SCREENSHOTS && shot) {
    await page.screenshot({ path: `../docs/screenshots/${shot}.png`, fullPage: false });
  }
}

test('visitor pages have no serious accessibility violation', async ({ page }) => {
  await page.setViewportSize({ width: 1100, height: 760 });
  await check(page, '/', 'Catalogue', 'catalogue');
  await check(page, '/products/demo-mug', 'Coffee Mug', 'product');
  await check(page, '/login', 'Log in', 'login');
  await check(page, '/signup', 'Sign up');
  await check(page, '/no/such/page', 'Page not found');
  await check(page, '/orders', 'Please log in');
});

test('customer pages have no serious accessibility violation', async ({ page }) => {
  await page.setViewportSize({ width: 1100, height: 760 });
  await signUp(page, uniqueName('a11y'));
  await page.goto('/products/demo-grinder');
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await expect(page.getByText('Added.')).toBeVisible();
  await page.goto('/products/demo-rust-book');
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await expect(page.getByText('Added.')).toBeVisible();
  await check(page, '/cart', 'Your cart', 'cart');
  await page.getByRole('button', { name: 'Check out' }).click();
  await expect(page.getByText('Thank you! Your order is placed.')).toBeVisible();
  const orderPath = new URL(page.url()).pathname;
  await check(page, orderPath, /^Order /, 'order-detail');
  await check(page, '/orders', 'My orders', 'orders');
  await expect(async () => {
    await page.goto('/notifications');
    await expect(page.getByRole('heading', { name: /Order placed/ })).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 20_000 });
  await check(page, '/notifications', 'Notifications', 'notifications');
  await check(page, '/profile', 'Your profile', 'profile');
  await check(page, '/sessions', 'Your sessions', 'sessions');
});

test('admin pages have no serious accessibility violation', async ({ page }) => {
  await page.setViewportSize({ width: 1100, height: 760 });
  await logIn(page, 'admin', 'admin123');
  await check(page, '/admin/users', 'Users', 'admin-users');
  await check(page, '/admin/products', 'Products', 'admin-products');
  await check(page, '/admin/orders', 'All orders', 'admin-orders');
  await check(page, '/admin/audit', 'Audit log', 'admin-audit');
});
