import { test, expect } from '@playwright/test';
import { expectAccessible, hydrated, screenshots, seedPerson, signIn, sql } from './helpers';

// A company owner filters the invitation list and pages through it; the filter and the page
// live in the address, so a reload, Back and a shared link show the same list.
const OWNER_EMAIL = 'owner@list-ui.example';
const ORG_ID = '3e4f5a6b-7c8d-4e9f-8a0b-1c2d3e4f5a6b';
const OWNER_ID = '4f5a6b7c-8d9e-4f0a-9b1c-2d3e4f5a6b7c';

test.beforeAll(() => {
  seedPerson({ orgId: ORG_ID, orgName: 'List Works', kind: 'company', userId: OWNER_ID, email: OWNER_EMAIL,
               firstName: 'Li', lastName: 'Stowner', role: 'owner' });
  // 53 pending invitations (a page of 50 and three more), newest first by number, and 2 revoked.
  sql(`INSERT INTO invitations (id, organisation_id, email, first_name, last_name, role, token_hash,
                                expires_at, created_at, status, revoked_at)
       SELECT gen_random_uuid(), '${ORG_ID}', 'person' || lpad(g::text, 2, '0') || '@list-ui.example',
              'Person', g::text, 'member', sha256(('list-ui' || g)::bytea), now() + interval '3 days',
              now() - make_interval(secs => g),
              CASE WHEN g > 53 THEN 'revoked' ELSE 'pending' END,
              CASE WHEN g > 53 THEN now() END
         FROM generate_series(1, 55) g
       ON CONFLICT DO NOTHING`);
});

test('the list filters by status and search in the address, and pages on', async ({ page }) => {
  await signIn(page, OWNER_EMAIL, /\/company$/);
  await page.goto('/company/manage-invitations');
  await hydrated(page);
  const rows = page.getByRole('table').getByRole('row');
  await expect(rows).toHaveCount(51); // the header and 50 rows

  // A status applies at once, and the address says so.
  const filters = page.getByRole('search', { name: 'Filter invitations' });
  await filters.getByLabel('Status').selectOption({ label: 'Revoked' });
  await expect(page).toHaveURL(/\?status=revoked$/);
  await expect(rows).toHaveCount(3);
  await expect(page.getByRole('row', { name: /person54@list-ui\.example/ })).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, 'invitation-list-filtered');

  // A reload keeps the filter; a search adds to it.
  await page.reload();
  await hydrated(page);
  await expect(filters.getByLabel('Status')).toHaveValue('revoked');
  await expect(rows).toHaveCount(3);
  await filters.getByLabel('Search by email').fill('person55');
  await filters.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/\?status=revoked&search=person55$/);
  await expect(rows).toHaveCount(2);

  // Back returns to the previous list, fields and all.
  await page.goBack();
  await expect(page).toHaveURL(/\?status=revoked$/);
  await expect(rows).toHaveCount(3);
  await expect(filters.getByLabel('Search by email')).toHaveValue('');

  // Nothing matches: said plainly.
  await filters.getByLabel('Search by email').fill('nobody');
  await filters.getByRole('button', { name: 'Search' }).click();
  await expect(page.getByText('No matching invitations')).toBeVisible();

  // Pending: 50 rows and "Load more", which appends the rest in place.
  await page.goto('/company/manage-invitations?status=pending');
  await hydrated(page);
  await expect(rows).toHaveCount(51);
  const more = page.getByRole('link', { name: 'Load more' });
  await expect(more).toHaveAttribute('href', /status=pending&cursor=/);
  await more.click();
  await expect(rows).toHaveCount(54);
  await expect(page).toHaveURL(/\?status=pending$/);
  await expect(more).toBeHidden();

  // The next page's own address (what Load more is without scripts) shows the rest and a way back.
  await page.goto('/company/manage-invitations?status=pending');
  await hydrated(page);
  const next = await more.getAttribute('href');
  await page.goto(next!);
  await hydrated(page);
  await expect(rows).toHaveCount(4);
  await expect(page.getByRole('row', { name: /person53@list-ui\.example/ })).toBeVisible();
  await page.getByRole('link', { name: 'Back to the newest' }).click();
  await expect(page).toHaveURL(/\?status=pending$/);
  await expect(rows).toHaveCount(51);
  await expectAccessible(page);
  await screenshots(page, 'invitation-list-pending');
});
