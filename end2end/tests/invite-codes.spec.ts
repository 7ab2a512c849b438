import { test, expect, type Page, type Browser } from '@playwright/test';
import fs from 'node:fs';
import { expectAccessible, hydrated, screenshots, sql } from './helpers';
import { baseURL } from '../playwright.config';

// One story, in order: a cooperative admin makes codes; new people join with them in fresh
// browsers, keep their key backup, sign out and back in with the key; a revoked code is refused.
test.describe.configure({ mode: 'serial' });

const ADMIN_EMAIL = 'coop-admin@harbour.example';
const ADMIN_PASSWORD = 'cedar meadow lantern 27';
// Argon2id (m=19456, t=2, p=1) of ADMIN_PASSWORD with a fixed salt: a test fixture only.
const ADMIN_PHC =
  '$argon2id$v=19$m=19456,t=2,p=1$Z2F0ZWhvdXNlLWUyZS1maXh0dXJl$fOceg8Ol91FrLmUVN3IyErLv9js6DRVieMH6kpsqpXI';
const ORG_ID = '7d1f0c36-5a2e-4c36-9d2b-2f3f6f0a9b11';
const ADMIN_ID = '0b8e6d1e-1f63-4c5e-8f0e-6b9f3f2f6a21';

let shared = { code: '', url: '' };

test.beforeAll(() => {
  sql(`INSERT INTO organisations (id, name, kind) VALUES ('${ORG_ID}', 'Harbour Cooperative', 'cooperative')
       ON CONFLICT DO NOTHING`);
  sql(`INSERT INTO users (id, email, first_name, last_name, password_hash)
       VALUES ('${ADMIN_ID}', '${ADMIN_EMAIL}', 'Nia', 'Okafor', '${ADMIN_PHC}') ON CONFLICT DO NOTHING`);
  sql(`INSERT INTO memberships (user_id, organisation_id, role) VALUES ('${ADMIN_ID}', '${ORG_ID}', 'admin')
       ON CONFLICT DO NOTHING`);
});

async function signInAsAdmin(page: Page) {
  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('Email address').fill(ADMIN_EMAIL);
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/cooperative$/);
}

async function openCodes(page: Page) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Invite codes' }).click();
  await expect(page).toHaveURL(/\/cooperative\/invite-codes$/);
  await expect(page.getByRole('heading', { name: 'Invite codes', level: 1 })).toBeVisible();
  await hydrated(page);
}

async function createCodes(page: Page, role: string, opts: { uses?: string; count?: string; note: string }) {
  await page.getByRole('button', { name: 'Create Invite' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create Invite' });
  await dialog.getByLabel('Role').selectOption({ label: role });
  await dialog.getByLabel('Expires in').selectOption({ label: '7 days' });
  if (opts.uses) await dialog.getByLabel('Uses per code').fill(opts.uses);
  if (opts.count) await dialog.getByLabel('Number of codes').fill(opts.count);
  await dialog.getByLabel('Note').fill(opts.note);
  await dialog.getByRole('button', { name: 'Create Invite' }).click();
  return dialog;
}

async function freshPage(browser: Browser) {
  const context = await browser.newContext({
    baseURL,
    reducedMotion: 'reduce',
    acceptDownloads: true,
  });
  return { context, page: await context.newPage() };
}

test('an admin creates a code, copies the code and the link, and sees the QR code', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await signInAsAdmin(page);
  await openCodes(page);
  await expect(page.getByText('No invite codes yet')).toBeVisible();

  // Bad input is explained next to the field before any request.
  await page.getByRole('button', { name: 'Create Invite' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create Invite' });
  await dialog.getByLabel('Uses per code').fill('0');
  await dialog.getByRole('button', { name: 'Create Invite' }).click();
  await expect(dialog.getByText('Choose a role.')).toBeVisible();
  await expect(dialog.getByText('Enter a whole number from 1 to 500.')).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, 'invite-code-create');
  await dialog.getByLabel('Uses per code').fill('1');
  await dialog.getByLabel('Role').selectOption({ label: 'Participant' });
  await dialog.getByLabel('Note').fill('Spring workshop');
  await dialog.getByRole('button', { name: 'Create Invite' }).click();

  await expect(dialog.getByText('Invite code created.')).toBeVisible();
  const code = await dialog.getByRole('textbox', { name: 'Invite code' }).inputValue();
  expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
  const url = await dialog.getByRole('textbox', { name: 'Shareable link' }).inputValue();
  expect(url).toBe(`${baseURL}/join?code=${code}`);
  shared = { code, url };

  await dialog.getByRole('button', { name: 'Copy invite code' }).click();
  await expect(dialog.getByRole('button', { name: 'Copy invite code' })).toHaveText('Copied');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(code);
  await dialog.getByRole('button', { name: 'Copy shareable link' }).click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);

  const qr = dialog.getByRole('img', { name: `QR code of the link ${url}` });
  await expect(qr).toBeVisible();
  expect(await qr.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(100);
  await expect(dialog.getByRole('link', { name: 'Download QR code (SVG)' })).toHaveAttribute('download', `invite-${code}.svg`);
  await expectAccessible(page);
  await screenshots(page, 'invite-code-created');
  await dialog.getByRole('button', { name: 'Done' }).click();

  const row = page.getByRole('row').filter({ hasText: 'Spring workshop' });
  await expect(row.getByText('Active', { exact: true })).toBeVisible();
  await expect(row.getByRole('cell', { name: '0 / 1' })).toBeVisible();
});

test('a batch of codes comes with a CSV file', async ({ page }) => {
  await signInAsAdmin(page);
  await openCodes(page);
  const dialog = await createCodes(page, 'Member', { count: '3', note: 'Open day batch' });
  await expect(dialog.getByText('3 invite codes created.')).toBeVisible();
  const download = page.waitForEvent('download');
  await dialog.getByRole('link', { name: 'Download CSV' }).click();
  const file = await (await download).path();
  const lines = fs.readFileSync(file!, 'utf8').trim().split('\n');
  expect(lines[0]).toBe('code,url,role,max_uses,expires_at_utc,note');
  expect(lines).toHaveLength(4);
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByRole('row').filter({ hasText: 'Open day batch' })).toHaveCount(3);
  await expectAccessible(page);
  await screenshots(page, 'invite-code-list');
});

test('a new person joins with the code in a fresh browser and keeps a backup of the key', async ({ browser }) => {
  const { context, page } = await freshPage(browser);
  await page.goto('/login');
  await page.getByRole('link', { name: 'Join with invite code' }).click();
  await expect(page).toHaveURL(/\/join$/);

  // Reached through the shared link, the code is filled in.
  await page.goto(shared.url);
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Join with an invite code' })).toBeVisible();
  await expect(page.getByLabel('Invite code')).toHaveValue(shared.code);
  await page.getByRole('button', { name: 'Join' }).click();
  await expect(page.getByText('This field is required.')).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, 'join');

  await page.getByLabel('Display name').fill('Robin Ashby');
  await page.getByRole('button', { name: 'Join' }).click();
  await expect(page.getByRole('heading', { name: 'Welcome to Harbour Cooperative' })).toBeVisible();
  await expect(page.getByText('You joined as Participant.')).toBeVisible();
  const did = await page.getByLabel('Your identity').inputValue();
  expect(did).toMatch(/^did:key:z6Mk[1-9A-HJ-NP-Za-km-z]+$/);
  await expect(page.getByText('cannot be recovered')).toBeVisible();

  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Download backup file' }).click();
  const backup = JSON.parse(fs.readFileSync((await (await download).path())!, 'utf8'));
  expect(backup.did).toBe(did);
  expect(backup.format).toBe('gatehouse-ed25519-key/v1');
  expect(backup.private_key).toMatch(/^[A-Za-z0-9_-]{43}$/);
  await expectAccessible(page);
  await screenshots(page, 'join-done');

  await page.getByRole('link', { name: 'Continue to your dashboard' }).click();
  await expect(page).toHaveURL(/\/home$/);
  await expect(page.getByRole('heading', { name: 'Welcome, Robin' })).toBeVisible();

  // Sign out, then back in with the key this browser keeps.
  await hydrated(page);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.getByRole('link', { name: 'Sign in with key' }).click();
  await expect(page).toHaveURL(/\/login\/key$/);
  await hydrated(page);
  await expect(page.getByText(did)).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, 'login-key');
  await page.getByRole('button', { name: 'Sign in with this key' }).click();
  await expect(page).toHaveURL(/\/home$/);
  await expect(page.getByRole('heading', { name: 'Welcome, Robin' })).toBeVisible();

  // On another device, the backup file restores the key.
  const other = await freshPage(browser);
  await other.page.goto('/login/key');
  await hydrated(other.page);
  await other.page.getByLabel('Backup file').setInputFiles({
    name: 'gatehouse-key.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(backup)),
  });
  await expect(other.page.getByLabel('Or paste the backup')).toHaveValue(/gatehouse-ed25519-key/);
  await other.page.getByRole('button', { name: 'Sign in with backup' }).click();
  await expect(other.page).toHaveURL(/\/home$/);
  await other.context.close();
  await context.close();
});

test('the admin sees the code used, revokes another, and the revoked code is refused', async ({ page, browser }) => {
  await signInAsAdmin(page);
  await openCodes(page);
  await expect(page.getByRole('row').filter({ hasText: 'Spring workshop' }).getByText('Used', { exact: true })).toBeVisible();
  const dialog = await createCodes(page, 'Member', { note: 'Will be revoked' });
  const revokedCode = await dialog.getByRole('textbox', { name: 'Invite code' }).inputValue();
  await dialog.getByRole('button', { name: 'Done' }).click();

  const row = page.getByRole('row').filter({ hasText: 'Will be revoked' });
  await row.getByRole('button', { name: /^Reveal/ }).click();
  const reveal = page.getByRole('dialog', { name: 'Invite code' });
  await expect(reveal.getByRole('textbox', { name: 'Invite code' })).toHaveValue(revokedCode);
  await reveal.getByRole('button', { name: 'Done' }).click();

  await row.getByRole('button', { name: /^Revoke/ }).click();
  const confirm = page.getByRole('dialog', { name: 'Revoke invite code' });
  await expectAccessible(page);
  await confirm.getByRole('button', { name: 'Revoke code' }).click();
  await expect(row.getByText('Revoked', { exact: true })).toBeVisible();
  await screenshots(page, 'invite-code-list-revoked');

  const { context, page: visitor } = await freshPage(browser);
  await visitor.goto('/join');
  await hydrated(visitor);
  await visitor.getByLabel('Invite code').fill(revokedCode.toLowerCase());
  await visitor.getByLabel('Display name').fill('Late Comer');
  await visitor.getByRole('button', { name: 'Join' }).click();
  await expect(visitor.getByText(/This invite code was revoked/)).toBeVisible();
  await expect(visitor.getByLabel('Invite code')).toHaveAttribute('aria-invalid', 'true');
  await expectAccessible(visitor);
  await screenshots(visitor, 'join-revoked');
  await context.close();
});
