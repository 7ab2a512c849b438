import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import { expectAccessible, hydrated, screenshots, seedPerson, signIn, sql } from './helpers';

// A company owner reads the analytics of the last 30 days: totals, the funnel chart with its
// data table, the per-day table, and the CSV export.
const OWNER_EMAIL = 'owner@analytics.example';
const ORG_ID = '7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d';
const OWNER_ID = '8b9c0d1e-2f3a-4b4c-9d5e-6f7a8b9c0d1e';

test.beforeAll(() => {
  seedPerson({ orgId: ORG_ID, orgName: 'Metric Mills', kind: 'company', userId: OWNER_ID, email: OWNER_EMAIL,
               firstName: 'Mia', lastName: 'Metric', role: 'owner' });
  // Three invitations made yesterday: one accepted after two hours, one pending, one revoked.
  sql(`INSERT INTO invitations (id, organisation_id, email, first_name, last_name, role, inviter_id, token_hash,
                                status, expires_at, created_at, accepted_at)
       SELECT gen_random_uuid(), '${ORG_ID}', s || '@metric.example', 'Seed', 'Person', 'member', '${OWNER_ID}',
              sha256(s::bytea), s, now() + interval '5 days', now() - interval '1 day',
              CASE WHEN s = 'accepted' THEN now() - interval '22 hours' END
         FROM unnest(ARRAY['accepted', 'pending', 'revoked']) AS s
       ON CONFLICT DO NOTHING`);
});

test('an owner reads the analytics, a chart with its data table, and the export', async ({ page }) => {
  await signIn(page, OWNER_EMAIL, /\/company$/);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Analytics' }).click();
  await expect(page).toHaveURL(/\/analytics$/);
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Analytics', level: 1 })).toBeVisible();
  const totals = page.getByRole('region', { name: 'Totals' });
  await expect(totals.getByText('Acceptance rate')).toBeVisible();
  await expect(totals).toContainText('33.3%');
  await expect(totals).toContainText('2 h 00 min');

  const funnel = page.getByRole('region', { name: 'Funnel' });
  await expect(funnel.getByRole('img', { name: /Funnel: sent, viewed, accepted/ })).toBeVisible();
  const table = funnel.getByRole('table', { name: 'Funnel: sent, viewed, accepted' });
  await expect(table.getByRole('row', { name: 'Sent 3' })).toBeVisible();
  await expect(table.getByRole('row', { name: 'Accepted 1' })).toBeVisible();

  const perDay = page.getByRole('region', { name: 'Invitations per day by status' });
  await perDay.getByText('Data table: invitations per day').click();
  const days = perDay.getByRole('table', { name: 'Invitations per day by status' });
  await expect(days.getByRole('row')).toHaveCount(31);
  await expectAccessible(page);
  await screenshots(page, 'analytics');

  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Export CSV' }).click();
  const csv = fs.readFileSync((await (await download).path())!, 'utf8');
  expect(csv).toContain('totals,,sent,3');
  expect(csv).toContain('totals,,accepted,1');

  // A range that ends before it starts is named next to its field.
  await page.goto('/analytics?from=2026-02-01&to=2026-01-01');
  await hydrated(page);
  await expect(page.getByText('The last day cannot be before the first.')).toBeVisible();
  await expectAccessible(page);
});
