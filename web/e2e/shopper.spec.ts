// A new customer's journey: sign up, search, add to cart, check out (a double
// click orders once), see the order and its notification, cancel it.
import { expect, test } from '@playwright/test';
import { expectNoVisibleError, logIn, signUp, uniqueName } from './helpers';

test('sign up, search, add to cart, check out once, see the order and its notification, cancel it', async ({ page }) => {
  const username = uniqueName('shopper');

  // Validation details from the API are shown next to their field.
  await page.goto('/signup');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill('short');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page.getByRole('alert')).toContainText('Some fields need attention');
  const password = page.getByLabel('Password', { exact: true });
  await expect(password).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('.field-error')).toHaveCount(1);

  await signUp(page, username);

  // Search the catalogue.
  await page.getByRole('link', { name: 'Catalogue' }).click();
  await page.getByLabel('Search by name').fill('mug');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/\?q=mug/);
  await expect(page.getByRole('heading', { level: 2 })).toHaveText(['Coffee Mug']);

  // Add it to the cart twice: the line counts 2.
  const add = page.getByRole('button', { name: 'Add Coffee Mug to cart' });
  await add.click();
  await expect(page.getByText('Added to your cart.')).toBeVisible();
  await add.click();
  await expect(add).toBeEnabled();
  await page.getByRole('link', { name: 'Cart' }).click();
  await expect(page.getByLabel('Quantity of Coffee Mug')).toHaveValue('2');
  await expect(page.getByTestId('cart-total')).toHaveText('$24.00');

  // A double click on "Check out" places one order.
  const checkouts: number[] = [];
  page.on('response', (r) => {
    if (r.url().endsWith('/cart/checkout')) checkouts.push(r.status());
  });
  await page.getByRole('button', { name: 'Check out' }).dblclick();
  await expect(page.getByText('Thank you! Your order is placed.')).toBeVisible();
  await expect(page).toHaveURL(/\/orders\/[0-9a-f-]+\?placed=1/);
  const orderUrl = new URL(page.url()).pathname;
  expect(checkouts).toEqual([201]);

  await page.getByRole('link', { name: 'Orders', exact: true }).click();
  await expect(page.getByRole('table').getByRole('row')).toHaveCount(2); // header + one order
  await expect(page.getByRole('table')).toContainText('$24.00');
  await expect(page.getByRole('table')).toContainText('Pending');

  // The order's notification arrives (through the streams consumer) and the badge counts it.
  await expect(async () => {
    await page.getByRole('link', { name: /Notifications/ }).click();
    await expect(page.getByRole('heading', { name: /Order placed/ })).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 20_000 });
  await page.getByRole('link', { name: 'Catalogue' }).click();
  await expect(page.getByTestId('unread-badge')).toContainText(/[1-9]/);
  await page.getByRole('link', { name: /Notifications/ }).click();
  await page.getByRole('link', { name: 'See the order' }).first().click();

  // Cancel it; the timeline shows both steps.
  await expect(page).toHaveURL(new RegExp(`${orderUrl}$`));
  await page.getByRole('button', { name: 'Cancel order' }).click();
  await page.getByRole('button', { name: 'Yes, cancel it' }).click();
  await expect(page.getByText('Status: Cancelled')).toBeVisible();
  const timeline = page.getByRole('list', { name: 'Status timeline' });
  await expect(timeline.getByRole('listitem')).toHaveCount(2);
  await expect(timeline).toContainText('Cancelled');
  await expectNoVisibleError(page);

  // The cart is empty after the checkout; log out ends the session.
  await page.getByRole('link', { name: 'Cart' }).click();
  await expect(page.getByText('Your cart is empty.')).toBeVisible();
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto('/orders');
  await expect(page.getByRole('heading', { name: 'Please log in' })).toBeVisible();
});

test('too many wrong passwords: the wait the API asks for is shown and the form waits', async ({ page }) => {
  const username = uniqueName('locked');
  await page.goto('/login');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill('not the password');
  const submit = page.getByRole('button', { name: 'Log in' });
  // The gateway runs with LOGIN_MAX_FAILURES=3.
  for (let i = 0; i < 3; i += 1) {
    await submit.click();
    await expect(page.getByRole('alert')).toBeVisible();
    await expect(submit).toBeEnabled();
  }
  await submit.click();
  await expect(page.getByRole('alert')).toContainText('Too many attempts');
  await expect(page.getByRole('alert')).toContainText(/try again in \d+ (seconds|minutes)/i);
  await expect(submit).toBeDisabled();
});

test('the catalogue filters by category and pages through results', async ({ page }) => {
  await page.goto('/');
  await page.getByLabel('Category').selectOption('books');
  await expect(page).toHaveURL(/category=books/);
  await expect(page.getByRole('heading', { level: 2 })).toHaveText(['Designing Data-Intensive Applications', 'The Rust Programming Language']);
  await page.getByLabel('Category').selectOption('');
  await expect(page.getByText('Page 1')).toBeVisible();
  const first = await page.getByRole('heading', { level: 2 }).allTextContents();
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByText('Page 2')).toBeVisible();
  const second = await page.getByRole('heading', { level: 2 }).allTextContents();
  expect(second.length).toBeGreaterThan(0);
  expect(second.some((name) => first.includes(name))).toBe(false);
  await page.getByRole('button', { name: 'Previous' }).click();
  await expect(page.getByRole('heading', { level: 2 })).toHaveText(first);
  // A product page, reached from its card.
  await page.getByRole('link', { name: first[0]! }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(first[0]!);
  await expect(page.getByRole('link', { name: 'Log in' }).first()).toBeVisible();
});

test('a signed-in user edits the profile and sees the sessions', async ({ page }) => {
  const username = uniqueName('profile');
  await signUp(page, username);
  await page.getByRole('link', { name: 'Profile' }).click();
  await page.getByLabel('Full name').fill('Pat Shopper');
  await page.getByRole('button', { name: 'Save details' }).click();
  await expect(page.getByText('Saved.')).toBeVisible();
  await page.getByLabel('Email').fill('not an address');
  await page.getByRole('button', { name: 'Save details' }).click();
  await expect(page.getByLabel('Email')).toHaveAttribute('aria-invalid', 'true');

  await page.getByRole('link', { name: 'Sessions' }).click();
  await expect(page.getByText('This browser')).toBeVisible();

  // Change the password: every session ends; the new password works.
  await page.getByRole('link', { name: 'Profile' }).click();
  await page.getByLabel('Current password').fill('a long shopper password');
  await page.getByLabel('New password').fill('another long password');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByText('Your password is changed.')).toBeVisible();
  await logIn(page, username, 'another long password');
});

test('keyboard only: skip link, log in, add to cart, check out', async ({ page }) => {
  const username = uniqueName('keys');
  await signUp(page, username);
  await page.getByRole('button', { name: 'Log out' }).press('Enter');
  await expect(page).toHaveURL(/\/login$/);

  // A fresh page load: the first Tab reaches the skip link.
  // (The app renders after it has read config.json: wait for it before typing.)
  await page.goto('/login');
  await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Username')).toBeFocused();
  await page.keyboard.type(username);
  await page.keyboard.press('Tab');
  await page.keyboard.type('a long shopper password');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('signed-in-as')).toContainText(username);

  const add = page.getByRole('button', { name: 'Add Coffee Mug to cart' });
  await add.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByText('Added to your cart.')).toBeVisible();
  await page.getByRole('link', { name: 'Cart' }).press('Enter');
  await page.getByRole('button', { name: 'Check out' }).press('Enter');
  await expect(page.getByText('Thank you! Your order is placed.')).toBeVisible();
});
