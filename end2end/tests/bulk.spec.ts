import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import { expectAccessible, hydrated, linkFromMailbox, screenshots, seedPerson, signIn } from './helpers';

// A company owner uploads a CSV file with mixed rows, reads the verdicts, confirms, watches
// the progress bar reach the end and downloads the result file; an imported person's email
// (rendered only as it leaves the outbox) opens their registration page.
const OWNER_EMAIL = 'owner@bulk-ui.example';
const ORG_ID = '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
const OWNER_ID = '2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f60';

test.beforeAll(() => {
  seedPerson({ orgId: ORG_ID, orgName: 'Bulk Works', kind: 'company', userId: OWNER_ID, email: OWNER_EMAIL,
               firstName: 'Bea', lastName: 'Ulk', role: 'owner' });
});

const CSV = [
  'email;first_name;last_name;role;designation',
  'ana@bulk-ui.example;Ana;Silva;member;Analyst',
  'not-an-email;Ben;Moss;member;',
  'ANA@bulk-ui.example;Ana;Twice;member;',
  'cy@bulk-ui.example;Cy;Young;admin;',
  'dee@bulk-ui.example;Dee;Park;member;',
].join('\n');

test('a CSV upload is checked row by row, then imported with a progress bar', async ({ page }, testInfo) => {
  await signIn(page, OWNER_EMAIL, /\/company$/);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Member Invitations' }).click();
  await hydrated(page);

  await page.getByRole('button', { name: 'Bulk invite' }).click();
  const dialog = page.getByRole('dialog', { name: 'Bulk invite' });
  const file = testInfo.outputPath('invitees.csv');
  fs.writeFileSync(file, CSV);
  await dialog.getByLabel('CSV file').setInputFiles(file);
  await dialog.getByRole('button', { name: 'Check file' }).click();

  await expect(dialog.getByText('3 of 5 rows will be invited into Bulk Works.')).toBeVisible();
  const totals = dialog.getByRole('list', { name: 'Totals' });
  await expect(totals.getByText('Invalid: 1')).toBeVisible();
  await expect(totals.getByText('Duplicate in file: 1')).toBeVisible();
  await expect(dialog.getByRole('row', { name: /not-an-email/ }).getByText('Invalid')).toBeVisible();
  await expect(dialog.getByRole('row', { name: /ANA@bulk-ui\.example/ })).toContainText('appears earlier in the file');
  await expectAccessible(page);
  await screenshots(page, 'bulk-verdicts');

  await dialog.getByRole('button', { name: 'Invite 3 people' }).click();
  await expect(dialog.getByText('Import finished')).toBeVisible({ timeout: 15_000 });
  await expect(dialog.getByText('5 of 5 rows done; 3 invitations created.')).toBeVisible();
  await expect(dialog.getByRole('progressbar')).toHaveAttribute('value', '5');
  await expectAccessible(page);
  await screenshots(page, 'bulk-finished');

  const download = page.waitForEvent('download');
  await dialog.getByRole('link', { name: 'Download results' }).click();
  const saved = await (await download).path();
  const result = fs.readFileSync(saved, 'utf8').trim().split('\n');
  expect(result[0]).toBe('row,email,outcome,invitation_id,error');
  expect(result).toHaveLength(6);
  expect(result[1]).toMatch(/^1,ana@bulk-ui\.example,created,[0-9a-f-]{36},$/);

  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByRole('row', { name: /dee@bulk-ui\.example/ })).toBeVisible();

  // Dee's invitation email, as the dev mailbox shows it, leads to Dee's registration page.
  const link = await linkFromMailbox(page, 'dee@bulk-ui.example');
  await page.goto(link);
  await expect(page.getByRole('heading', { name: 'Join Bulk Works' })).toBeVisible();
  await expect(page.getByRole('timer')).toContainText('6 days, 23 hours');
});
