import { test, expect } from '@playwright/test';
import { expectAccessible, hydrated, screenshots, sql } from './helpers';

// A company owner invites someone without an email, with a one-day link, copies the link
// from the dialog, and the invitee registers from it.
const OWNER_EMAIL = 'owner@links.example';
const OWNER_PASSWORD = 'cedar meadow lantern 27';
// Argon2id (m=19456, t=2, p=1) of OWNER_PASSWORD with a fixed salt: a test fixture only.
const OWNER_PHC =
  '$argon2id$v=19$m=19456,t=2,p=1$Z2F0ZWhvdXNlLWUyZS1maXh0dXJl$fOceg8Ol91FrLmUVN3IyErLv9js6DRVieMH6kpsqpXI';
const ORG_ID = '8a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const OWNER_ID = '9b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d5e';

test.beforeAll(() => {
  sql(`INSERT INTO organisations (id, name, kind) VALUES ('${ORG_ID}', 'Link Partners', 'company')
       ON CONFLICT DO NOTHING`);
  sql(`INSERT INTO users (id, email, first_name, last_name, password_hash)
       VALUES ('${OWNER_ID}', '${OWNER_EMAIL}', 'Lena', 'Berg', '${OWNER_PHC}') ON CONFLICT DO NOTHING`);
  sql(`INSERT INTO memberships (user_id, organisation_id, role) VALUES ('${OWNER_ID}', '${ORG_ID}', 'owner')
       ON CONFLICT DO NOTHING`);
});

test('an invitation made as a link, without email, is shown once and works', async ({ page, context, browser }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('Email address').fill(OWNER_EMAIL);
  await page.getByLabel('Password').fill(OWNER_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/company$/);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Member Invitations' }).click();
  await hydrated(page);

  await page.getByRole('button', { name: 'Invite Member' }).click();
  const dialog = page.getByRole('dialog', { name: 'Invite Member' });
  await dialog.getByLabel('Email address').fill('handed@links.example');
  await dialog.getByLabel('First name').fill('Hanne');
  await dialog.getByLabel('Last name').fill('Dal');
  await dialog.getByLabel('Role').selectOption({ label: 'Member' });
  await dialog.getByLabel('Link expires after').selectOption({ label: '1 day' });
  await dialog.getByLabel('Send the invitation by email').uncheck();
  await expect(dialog.getByRole('button', { name: 'Create link' })).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, 'invite-dialog-link');
  await dialog.getByRole('button', { name: 'Create link' }).click();

  const shown = page.getByRole('dialog', { name: 'Invitation link' });
  await expect(shown.getByText('For handed@links.example')).toBeVisible();
  const field = shown.getByRole('textbox', { name: 'Registration link' });
  await expect(field).toHaveValue(/\/register\?token=[0-9a-f]{64}&org=/);
  const link = await field.inputValue();
  await shown.getByRole('button', { name: 'Copy registration link' }).click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);
  await expectAccessible(page);
  await screenshots(page, 'invite-link-shown');
  await shown.getByRole('button', { name: 'Done' }).click();
  await expect(shown).toHaveCount(0);

  // No email went out; the row says so, and the link works in another browser.
  const row = page.getByRole('row', { name: /handed@links\.example/ });
  await expect(row).toBeVisible();
  const other = await browser.newContext();
  const invitee = await other.newPage();
  await invitee.goto(link);
  await expect(invitee.getByRole('heading', { name: 'Join Link Partners', level: 1 })).toBeVisible();
  await expect(invitee.getByText(/expires/i).first()).toBeVisible();
  await other.close();
});
