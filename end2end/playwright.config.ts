import { defineConfig } from '@playwright/test';
import path from 'node:path';

// Runs against the debug build made by `cargo leptos build --split` (or the binary in E2E_BINARY,
// such as a release build's), on its own database (E2E_DATABASE_URL, created fresh by
// scripts/test.sh), in Debian's Chromium.
const root = path.resolve(__dirname, '..');
const binary = process.env.E2E_BINARY ?? path.join(root, 'target/debug/gatehouse');
// E2E_PORT lets two checkouts run their end-to-end tests on one machine at the same time.
const port = Number(process.env.E2E_PORT ?? 3100);
export const baseURL = `http://127.0.0.1:${port}`;
export const serverLog = path.join(root, 'target', 'e2e-server.log');

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  fullyParallel: false,
  workers: 1,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  use: {
    baseURL,
    viewport: { width: 1280, height: 800 },
    // No colour transitions: axe must measure settled colours after a colour-scheme switch.
    contextOptions: { reducedMotion: 'reduce' },
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
  webServer: {
    // stdout goes to a file: the first-start registration link is read from it, as an
    // operator would read it from the terminal.
    command: `exec "${binary}" > "${serverLog}" 2>&1`,
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    env: {
      DATABASE_URL: process.env.E2E_DATABASE_URL ?? '',
      LEPTOS_SITE_ROOT: path.join(root, 'target/site'),
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      PUBLIC_URL: baseURL,
      RUST_LOG: 'info,sqlx=warn',
      // The binary defaults to production; the suite runs a development server.
      GATEHOUSE_ENV: 'development',
      // The webhook story's receiver listens on loopback.
      GATEHOUSE_WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
    },
  },
});
