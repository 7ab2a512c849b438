import { test, expect } from '@playwright/test';
import { expectAccessible, hydrated, screenshots, seedPerson, signIn } from './helpers';

// A company owner invites someone without an email, with a one-day link, copies the link
// from the dialog, and the invitee registers from it.
const OWNER_EMAIL = 'owner@links.example';
const ORG_ID = '8a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const OWNER_ID = '9b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d5e';

test.beforeAll(() => {
  seedPerson({ orgId: ORG_ID, orgName: 'Link Partners', kind: 'company', userId: OWNER_ID, email: OWNER_EMAIL,
               firstName: 'Lena', lastName: 'Berg', role: 'owner' });
});

test('an invitation made as a link, without email, is shown once and works', async ({ page, context, browser }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await signIn(page, OWNER_EMAIL, /\/company$/);
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
