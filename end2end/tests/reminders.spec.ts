import { test, expect } from '@playwright/test';
import { expectAccessible, hydrated, screenshots, seedPerson, signIn } from './helpers';

// A company owner switches expiry reminders off for the company and on again (the integration
// tests follow a reminder from the sweep to the invitee's mailbox).
const OWNER_EMAIL = 'owner@reminders.example';
const ORG_ID = '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f';
const OWNER_ID = '4d5e6f7a-8b9c-4d0e-9f1a-2b3c4d5e6f70';

test.beforeAll(() => {
  seedPerson({ orgId: ORG_ID, orgName: 'Reminder Works', kind: 'company', userId: OWNER_ID, email: OWNER_EMAIL,
               firstName: 'Rita', lastName: 'Moss', role: 'owner' });
});

test('an owner switches expiry reminders off and on', async ({ page }) => {
  await signIn(page, OWNER_EMAIL, /\/company$/);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Member Invitations' }).click();
  await hydrated(page);
  const card = page.getByRole('region', { name: 'Expiry reminders' });
  const toggle = card.getByRole('checkbox', { name: /one reminder 24 hours before their invitation expires/ });
  await expect(toggle).toBeChecked();
  await toggle.uncheck();
  await expect(page.getByRole('status').filter({ hasText: 'Expiry reminders are off.' })).toBeVisible();
  await page.reload();
  await hydrated(page);
  await expect(toggle).not.toBeChecked();
  await toggle.check();
  await expect(page.getByRole('status').filter({ hasText: 'Expiry reminders are on.' })).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, 'invitations-reminders');
});
