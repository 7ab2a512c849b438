import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import { expectAccessible, hydrated, screenshots, seedPerson, signIn } from './helpers';

// A company owner invites two people and revokes one, then reads, filters and exports the
// company's audit log.
const OWNER_EMAIL = 'owner@audit-log.example';
const ORG_ID = '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b';
const OWNER_ID = '6f7a8b9c-0d1e-4f2a-9b3c-4d5e6f7a8b9c';

test.beforeAll(() => {
  seedPerson({ orgId: ORG_ID, orgName: 'Ledger & Sons', kind: 'company', userId: OWNER_ID, email: OWNER_EMAIL,
               firstName: 'Lou', lastName: 'Ledger', role: 'owner' });
});

test('an owner filters the audit log and downloads the export', async ({ page }) => {
  await signIn(page, OWNER_EMAIL, /\/company$/);
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'Member Invitations' }).click();
  await hydrated(page);
  for (const [email, first] of [['ada@ledger.example', 'Ada'], ['bo@ledger.example', 'Bo']]) {
    await page.getByRole('button', { name: 'Invite Member' }).click();
    const dialog = page.getByRole('dialog', { name: 'Invite Member' });
    await dialog.getByLabel('Email address').fill(email);
    await dialog.getByLabel('First name').fill(first);
    await dialog.getByLabel('Last name').fill('Ledger');
    await dialog.getByLabel('Role').selectOption({ label: 'Member' });
    await dialog.getByRole('button', { name: 'Send Invitation' }).click();
    await expect(dialog).toBeHidden();
  }
  await page.getByRole('button', { name: 'Revoke invitation to bo@ledger.example' }).click();
  const revoke = page.getByRole('dialog', { name: 'Revoke invitation' });
  await revoke.getByLabel('Reason').fill('Sent to the wrong address');
  await revoke.getByRole('button', { name: 'Revoke invitation' }).click();
  await expect(revoke).toBeHidden();

  await nav.getByRole('link', { name: 'Audit log' }).click();
  await expect(page).toHaveURL(/\/audit-log$/);
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Audit log', level: 1 })).toBeVisible();
  const table = page.getByRole('table', { name: 'Audit events, newest first' });
  await expect(table.getByRole('row')).toHaveCount(4);
  await expect(table.getByRole('row').nth(1)).toContainText('revoked');
  await expectAccessible(page);
  await screenshots(page, 'audit-log');

  const filters = page.getByRole('search', { name: 'Filter the audit log' });
  await filters.getByLabel('Action').selectOption('revoked');
  await filters.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page).toHaveURL(/action=revoked/);
  await expect(table.getByRole('row')).toHaveCount(2);
  await expect(table).toContainText('Invitation: bo@ledger.example');
  await expect(table).toContainText('Sent to the wrong address');

  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Export CSV' }).click();
  const file = await (await download).path();
  const csv = fs.readFileSync(file!, 'utf8').trim().split('\n');
  expect(csv[0]).toContain('occurred_at');
  expect(csv).toHaveLength(2);
  expect(csv[1]).toContain('bo@ledger.example');

  // A bad date is named next to its field.
  await page.goto('/audit-log?from=yesterday');
  await hydrated(page);
  await expect(page.getByText('Enter a date as YYYY-MM-DD.')).toBeVisible();
  await expectAccessible(page);
});
