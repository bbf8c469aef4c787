// Money in integer cents and times in RFC 3339, for people.
const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
const time = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' });

export function formatCents(cents: number): string {
  return money.format(cents / 100);
}

export function formatTime(rfc3339: string | null | undefined): string {
  if (!rfc3339) return '—';
  const date = new Date(rfc3339);
  return Number.isNaN(date.getTime()) ? rfc3339 : time.format(date);
}

/** "12.50" → 1250; null if it is not an amount with at most two decimals. */
export function parseCents(text: string): number | null {
  const trimmed = text.trim();
  if (!/^\d+(\.\d{1,2})?$/.test(trimmed)) return null;
  const [whole, fraction = ''] = trimmed.split('.');
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}

export function centsToInput(cents: number): string {
  return (cents / 100).toFixed(2);
}

export const STATUS_LABELS: Record<string, string> = {
  pending: 'Pending',
  paid: 'Paid',
  shipped: 'Shipped',
  delivered: 'Delivered',
  cancelled: 'Cancelled',
};

/** Where an admin may move an order from each status (the API's status machine). */
export const NEXT_STATUSES: Record<string, string[]> = {
  pending: ['paid', 'cancelled'],
  paid: ['shipped', 'cancelled'],
  shipped: ['delivered'],
  delivered: [],
  cancelled: [],
};
