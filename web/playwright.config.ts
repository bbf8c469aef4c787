// Browser tests against a freshly started local gateway (the README's run
// command, in memory, on ports of their own), in Debian's Chromium.
//
// The gateway runs with short-lived access tokens and no refresh-reuse grace,
// so every journey also exercises refresh, and a client that ever presented a
// rotated refresh token twice would lose its session (the tests would fail).
import { defineConfig } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const apiPort = process.env.E2E_API_PORT ?? '3100';
const webPort = process.env.E2E_WEB_PORT ?? '3101';
export const ACCESS_TTL_SECONDS = 12;

export default defineConfig({
  testDir: './e2e',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 2,
  retries: 0,
  reporter: process.env.CI ? [['list']] : [['list'], ['html', { open: 'never' }]],
  use: {
    baseURL: `http://127.0.0.1:${webPort}`,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox'],
    },
    trace: 'retain-on-failure',
  },
  webServer: {
    command: 'cargo run -q -p local-gateway -- --in-memory',
    cwd: '..',
    url: `http://127.0.0.1:${apiPort}/health`,
    timeout: 15 * 60_000,
    reuseExistingServer: false,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      PORT: apiPort,
      WEB_PORT: webPort,
      LOCAL_STATE_DIR: mkdtempSync(join(tmpdir(), 'shop-e2e-')),
      ACCESS_TOKEN_TTL_SECONDS: String(ACCESS_TTL_SECONDS),
      JWT_LEEWAY_SECONDS: '0',
      REFRESH_REUSE_GRACE_SECONDS: '0',
      AUTHORIZER_CACHE_TTL_SECONDS: '0',
      LOGIN_MAX_FAILURES: '3',
      SIGNUP_IP_MAX: '1000',
      RUST_LOG: 'warn',
    },
  },
});
