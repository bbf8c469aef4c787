// Cart helpers shared by the catalogue, the product page and the cart page.
import type { ApiClient } from './api/client';
import type { Cart } from './api/types';

/** Adds `quantity` to the product's line (`PUT` sets a line, so read it first). */
export async function addToCart(api: ApiClient, productId: string, quantity: number): Promise<Cart> {
  const cart = await api.get('/cart');
  const line = cart.items.find((item) => item.product_id === productId);
  return api.put('/cart/items/{product_id}', {
    path: { product_id: productId },
    body: { quantity: (line?.quantity ?? 0) + quantity },
  });
}

/** A fresh idempotency key for one checkout attempt (kept until it succeeds or the cart changes). */
export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}
