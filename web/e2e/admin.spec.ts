// The store's admin: changes an order's status (the owner sees it), manages
// users and products, reads the audit log.
import { expect, test, type APIRequestContext } from '@playwright/test';
import { API, expectNoVisibleError, logIn, uniqueName } from './helpers';

/** A customer with one placed order, made through the API directly. */
async function customerWithOrder(request: APIRequestContext) {
  const username = uniqueName('cust');
  const password = 'customer password one';
  expect((await request.post(`${API}/auth/signup`, { data: { username, password } })).status()).toBe(201);
  const login = await (await request.post(`${API}/auth/login`, { data: { username, password } })).json();
  const headers = { Authorization: `Bearer ${login.data.access_token}` };
  await request.put(`${API}/cart/items/demo-keyboard`, { headers, data: { quantity: 1 } });
  const order = await (await request.post(`${API}/cart/checkout`, { headers: { ...headers, 'Idempotency-Key': username } })).json();
  return { username, password, orderId: order.data.id as string };
}

test('an admin moves an order along and its owner sees the new status and notification', async ({ browser, request }) => {
  const customer = await customerWithOrder(request);
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await logIn(admin, 'admin', 'admin123');
  await admin.getByRole('link', { name: 'All orders' }).click();
  const short = customer.orderId.slice(0, 8);
  await admin.getByRole('link', { name: customer.username }).first().click();
  await expect(admin.getByRole('heading', { name: `Orders of ${customer.username}` })).toBeVisible();
  await admin.getByLabel(`New status of order ${short}`).selectOption('paid');
  await expect(admin.getByText(`Order ${short} is now paid.`)).toBeVisible();
  await admin.getByLabel(`New status of order ${short}`).selectOption('shipped');
  await expect(admin.getByText(`Order ${short} is now shipped.`)).toBeVisible();
  await expectNoVisibleError(admin);
  // the store-wide listing by status has it under "Shipped", and its
  // timeline shows the owner's placing as well as the admin's moves
  await admin.goto('/admin/orders');
  await admin.getByLabel('Status').selectOption('shipped');
  await expect(admin.getByRole('heading', { name: 'Shipped orders of every user' })).toBeVisible();
  await admin.getByRole('link', { name: `Order ${short}` }).click();
  await expect(admin.getByRole('list', { name: 'Status timeline' }).getByRole('listitem')).toHaveCount(3);

  const ownerContext = await browser.newContext();
  const owner = await ownerContext.newPage();
  await logIn(owner, customer.username, customer.password);
  await owner.goto(`/orders/${customer.orderId}`);
  await expect(owner.getByText('Status: Shipped')).toBeVisible();
  await expect(owner.getByRole('list', { name: 'Status timeline' }).getByRole('listitem')).toHaveCount(3);
  await expect(owner.getByRole('button', { name: 'Cancel order' })).toHaveCount(0);
  await expect(async () => {
    await owner.goto('/notifications');
    await expect(owner.getByRole('heading', { name: /Order shipped/ })).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 20_000 });
  await owner.getByRole('button', { name: 'Mark all as read' }).click();
  await expect(owner.getByTestId('unread-badge')).toHaveCount(0);
  await adminContext.close();
  await ownerContext.close();
});

test('an admin creates a user, changes the role, deletes the user', async ({ page }) => {
  const username = uniqueName('staff');
  await logIn(page, 'admin', 'admin123');
  await page.getByRole('link', { name: 'Users' }).click();
  await page.getByText('Create a user').click();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill('short');
  await page.getByRole('button', { name: 'Create user' }).click();
  await expect(page.getByLabel('Password')).toHaveAttribute('aria-invalid', 'true');
  await page.getByLabel('Password').fill('a staff member password');
  await page.getByRole('button', { name: 'Create user' }).click();
  await expect(page.getByText(`Created ${username}.`)).toBeVisible();

  const row = page.getByRole('row', { name: new RegExp(username) });
  await row.getByLabel(`Role of ${username}`).selectOption('admin');
  await expect(page.getByText(`${username} is now an admin.`)).toBeVisible();
  await expect(row.getByLabel(`Role of ${username}`)).toHaveValue('admin');
  await row.getByRole('button', { name: 'Delete' }).click();
  await row.getByRole('button', { name: `Delete ${username}` }).click();
  await expect(page.getByText(`Deleted ${username}; their sessions are ended.`)).toBeVisible();
  await expect(page.getByRole('row', { name: new RegExp(username) })).toHaveCount(0);
});

test('an admin adds, edits, restocks and deletes a product, and reads the audit log', async ({ page }) => {
  const name = `Tea Pot ${uniqueName('')}`;
  await logIn(page, 'admin', 'admin123');
  await page.getByRole('link', { name: 'Products' }).click();
  await page.getByText('Add a product').click();
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Category').fill('kitchen');
  await page.getByLabel('Price (USD)').fill('twelve');
  await page.getByRole('button', { name: 'Add product' }).click();
  await expect(page.getByLabel('Price (USD)')).toHaveAttribute('aria-invalid', 'true');
  await page.getByLabel('Price (USD)').fill('19.50');
  await page.getByLabel('Stock', { exact: true }).fill('4');
  await page.getByRole('button', { name: 'Add product' }).click();
  await expect(page.getByText(`Added ${name}.`)).toBeVisible();

  const row = page.getByRole('row', { name: new RegExp(name) });
  await expect(row).toContainText('$19.50');
  await row.getByLabel(`Stock of ${name}`).fill('9');
  await row.getByRole('button', { name: `Set stock of ${name}` }).click();
  await expect(page.getByText(`${name}: 9 in stock.`)).toBeVisible();

  await row.getByRole('button', { name: `Edit ${name}` }).click();
  await page.getByLabel('Price (USD)').fill('21');
  await page.getByRole('button', { name: 'Save product' }).click();
  await expect(page.getByText(`Saved ${name}.`)).toBeVisible();
  await expect(row).toContainText('$21.00');

  await row.getByRole('button', { name: 'Delete' }).click();
  await row.getByRole('button', { name: `Delete ${name}` }).click();
  await expect(page.getByText(`Deleted ${name}.`)).toBeVisible();

  await page.getByRole('link', { name: 'Audit log' }).click();
  await page.getByLabel('Event type').selectOption('product.deleted');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page.getByRole('table')).toContainText('product.deleted');
  await expectNoVisibleError(page);
});
