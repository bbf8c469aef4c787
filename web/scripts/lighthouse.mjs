// Lighthouse (npm `lighthouse`, with Debian's Chromium) on the catalogue,
// cart and orders pages of a running local gateway, signed in as a demo user
// so the cart and orders pages show real content. Prints one line per page
// and writes the JSON reports to .lighthouse/.
//
//   cargo run -p local-gateway            # in another terminal
//   node scripts/lighthouse.mjs           # WEB_URL=http://127.0.0.1:3001 by default
//
// Chromium is started here with a DevTools port; Playwright connects to it,
// logs in (the refresh token lands in the profile's localStorage) and
// disconnects; then Lighthouse drives the same browser with
// --disable-storage-reset, so the pages load signed in.
import { chromium } from '@playwright/test';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const WEB_URL = process.env.WEB_URL ?? 'http://127.0.0.1:3001';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PORT = Number(process.env.LIGHTHOUSE_DEVTOOLS_PORT ?? 9333);
const LIGHTHOUSE = process.env.LIGHTHOUSE ?? 'lighthouse@12.8.2';
const PRESET = process.env.LIGHTHOUSE_PRESET; // unset: Lighthouse's default (mobile, simulated slow 4G)
const out = new URL('../.lighthouse/', import.meta.url).pathname;
mkdirSync(out, { recursive: true });

const profile = mkdtempSync(join(tmpdir(), 'lighthouse-profile-'));
const browserProcess = spawn(CHROMIUM, ['--headless=new', '--no-sandbox', `--remote-debugging-port=${PORT}`, `--user-data-dir=${profile}`, 'about:blank'], { stdio: 'ignore' });
try {
  let browser;
  for (let attempt = 0; !browser; attempt += 1) {
    try {
      browser = await chromium.connectOverCDP(`http://127.0.0.1:${PORT}`);
    } catch (error) {
      if (attempt > 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  const page = await browser.contexts()[0].newPage();
  await page.goto(`${WEB_URL}/login`);
  await page.getByLabel('Username').fill(process.env.LIGHTHOUSE_USER ?? 'user1');
  await page.getByLabel('Password').fill(process.env.LIGHTHOUSE_PASSWORD ?? 'password1');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByTestId('signed-in-as').waitFor();
  // Something in the cart and one order, so neither page is empty.
  await page.goto(`${WEB_URL}/products/demo-mug`);
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await page.getByText('Added.').waitFor();
  await page.goto(`${WEB_URL}/cart`);
  await page.getByRole('button', { name: 'Check out' }).click();
  await page.getByText('Thank you!').waitFor();
  await page.goto(`${WEB_URL}/products/demo-rust-book`);
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await page.getByText('Added.').waitFor();
  await page.close();
  await browser.close(); // disconnects; the browser and its profile stay

  for (const [name, path] of [['catalogue', '/'], ['cart', '/cart'], ['orders', '/orders']]) {
    const report = join(out, `${name}.json`);
    const args = ['-y', LIGHTHOUSE, `${WEB_URL}${path}`, `--port=${PORT}`, '--disable-storage-reset', '--only-categories=performance,accessibility,best-practices', '--output=json', `--output-path=${report}`, '--quiet'];
    if (PRESET) args.push(`--preset=${PRESET}`);
    execFileSync('npx', args, { stdio: ['ignore', 'inherit', 'inherit'], timeout: 180_000 });
    const result = JSON.parse(readFileSync(report, 'utf8'));
    const score = (id) => Math.round(result.categories[id].score * 100);
    const metric = (id) => result.audits[id].displayValue;
    console.log(`${name.padEnd(10)} performance ${score('performance')}  accessibility ${score('accessibility')}  best-practices ${score('best-practices')}  (FCP ${metric('first-contentful-paint')}, LCP ${metric('largest-contentful-paint')}, TBT ${metric('total-blocking-time')}, CLS ${metric('cumulative-layout-shift')})`);
  }
} finally {
  browserProcess.kill();
}
