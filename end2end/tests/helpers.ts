import { expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const shotsDir = path.resolve(__dirname, '..', 'screenshots');

/** Waits until the page is hydrated: clicks before hydration would be lost. */
export async function hydrated(page: Page) {
  await page.locator('body[data-hydrated="true"]').waitFor();
}

/**
 * Waits until a page served without the browser app (the registration page) has run its page
 * script: the countdown ticks and the fields are checked before the form posts.
 */
export async function enhanced(page: Page) {
  await page.locator('body[data-enhanced="true"]').waitFor();
}

/**
 * Asserts axe-core finds no violations (WCAG 2.x A and AA rules and best practices), in the
 * light and in the dark colour scheme. `exclude`: selectors left out, e.g. a sandboxed frame
 * that shows a user's own document (axe cannot run inside a frame whose scripts are off).
 */
export async function expectAccessible(page: Page, options: { exclude?: string[] } = {}) {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    let builder = new AxeBuilder({ page });
    for (const selector of options.exclude ?? []) builder = builder.exclude(selector);
    const results = await builder.analyze();
    const summary = results.violations.map(
      (v) => `${colorScheme} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
    );
    expect(summary).toEqual([]);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/**
 * `expectAccessible` for a page in a context with JavaScript disabled, where axe-core cannot
 * run (its checks wait on timers that never fire). The page's document, exactly as that
 * browser shows it, is checked in a twin page on the same origin that may run scripts but
 * loads none of the app's (no hydration), so it stays the script-less page. The twin first
 * opens the sign-in page so that its document carries the page policy (a probe such as
 * `/healthz` is not a page: its `default-src 'none'` would block the stylesheet too).
 */
export async function expectAccessibleWithoutScripts(page: Page) {
  const html = await page.content();
  const browser = page.context().browser();
  if (!browser) throw new Error('no browser');
  const context = await browser.newContext({ reducedMotion: 'reduce', viewport: page.viewportSize() });
  try {
    const twin = await context.newPage();
    await twin.route(/\/pkg\/.*\.(js|wasm)$/, (route) => route.abort());
    await twin.goto(new URL('/login', page.url()).href);
    await twin.setContent(html, { waitUntil: 'load' });
    await expect(twin.locator('body[data-hydrated]')).toHaveCount(0);
    await expectAccessible(twin);
  } finally {
    await context.close();
  }
}

/**
 * Saves desktop and 360 px screenshots of the current page, and asserts that at 360 px nothing
 * makes the page scroll sideways (wide tables scroll inside their own box).
 */
export async function screenshots(page: Page, name: string) {
  fs.mkdirSync(shotsDir, { recursive: true });
  const desktop = page.viewportSize() ?? { width: 1280, height: 800 };
  await page.screenshot({ path: path.join(shotsDir, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize({ width: 360, height: 780 });
  await page.screenshot({ path: path.join(shotsDir, `${name}-mobile.png`), fullPage: true });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, `${name} scrolls sideways at 360 px`).toBeLessThanOrEqual(0);
  await page.setViewportSize(desktop);
}

/** Runs SQL against the e2e database (test set-up only, e.g. moving an expiry into the past). */
export function sql(statement: string) {
  execFileSync('psql', [process.env.E2E_DATABASE_URL ?? '', '-q', '-c', statement]);
}

/** The newest registration link emailed to `email`, read from the dev mailbox page. */
export async function linkFromMailbox(page: Page, email: string): Promise<string> {
  await page.goto('/dev/mailbox');
  const message = page.getByRole('article', { name: new RegExp(`^Email to ${email.replace('.', '\\.')}`) }).first();
  await expect(message).toBeVisible();
  return (await message.getByRole('link', { name: /\/register\?token=/ }).first().getAttribute('href')) ?? '';
}

/** The password of the people `seedPerson` makes (a test fixture only). */
export const FIXTURE_PASSWORD = 'cedar meadow lantern 27';
// Argon2id (m=19456, t=2, p=1) of FIXTURE_PASSWORD with a fixed salt: a test fixture only.
const FIXTURE_PHC =
  '$argon2id$v=19$m=19456,t=2,p=1$Z2F0ZWhvdXNlLWUyZS1maXh0dXJl$fOceg8Ol91FrLmUVN3IyErLv9js6DRVieMH6kpsqpXI';

/** Makes an organisation and one member of it who signs in with FIXTURE_PASSWORD (idempotent). */
export function seedPerson(p: {
  orgId: string;
  orgName: string;
  kind: string;
  userId: string;
  email: string;
  firstName: string;
  lastName: string;
  role: string;
}) {
  sql(`INSERT INTO organisations (id, name, kind) VALUES ('${p.orgId}', '${p.orgName}', '${p.kind}')
       ON CONFLICT DO NOTHING`);
  sql(`INSERT INTO users (id, email, first_name, last_name, password_hash)
       VALUES ('${p.userId}', '${p.email}', '${p.firstName}', '${p.lastName}', '${FIXTURE_PHC}') ON CONFLICT DO NOTHING`);
  sql(`INSERT INTO memberships (user_id, organisation_id, role) VALUES ('${p.userId}', '${p.orgId}', '${p.role}')
       ON CONFLICT DO NOTHING`);
}

/** Signs in as `email` (password FIXTURE_PASSWORD) and waits for the dashboard at `landing`. */
export async function signIn(page: Page, email: string, landing: RegExp) {
  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(FIXTURE_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(landing);
}
