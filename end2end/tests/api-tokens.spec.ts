import { test, expect, type Page } from '@playwright/test';
import { expectAccessible, hydrated, screenshots, seedPerson, signIn } from './helpers';

// A company owner makes an API token, copies it once, uses it against the REST API, sees its
// last use, and revokes it; the revoked token is refused at once.
test.describe.configure({ mode: 'serial' });

const OWNER_EMAIL = 'owner@tokens.example';
const ORG_ID = '5b7c2f1e-8d3a-4e6b-9c1f-2a3b4c5d6e7f';
const OWNER_ID = '6c8d3a2f-9e4b-4f7c-8d2e-3b4c5d6e7f80';

test.beforeAll(() => {
  seedPerson({ orgId: ORG_ID, orgName: 'Token Works', kind: 'company', userId: OWNER_ID, email: OWNER_EMAIL,
               firstName: 'Tariq', lastName: 'Osei', role: 'owner' });
});

async function openTokens(page: Page) {
  await signIn(page, OWNER_EMAIL, /\/company$/);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API tokens' }).click();
  await expect(page).toHaveURL(/\/settings\/api-tokens$/);
  await expect(page.getByRole('heading', { name: 'API tokens', level: 1 })).toBeVisible();
  await hydrated(page);
}

test('an owner creates a token, uses it, and revokes it', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await openTokens(page);
  await expect(page.getByText('No API tokens yet.')).toBeVisible();

  // The form reports every missing field next to it.
  await page.getByRole('button', { name: 'Create token' }).click();
  await expect(page.getByText('Give the token a name')).toBeVisible();
  await expect(page.getByText('Choose a role.')).toBeVisible();

  await page.getByLabel('Name').fill('HR sync');
  await page.getByLabel('Role').selectOption({ label: 'Admin' });
  await page.getByLabel('Expires after').selectOption({ label: '30 days' });
  await page.getByRole('button', { name: 'Create token' }).click();
  const tokenField = page.getByRole('textbox', { name: 'API token' });
  await expect(tokenField).toHaveValue(/^gh_at_[A-Za-z0-9_-]{43}$/);
  const token = await tokenField.inputValue();
  await page.getByRole('button', { name: 'Copy API token' }).click();
  await expect(page.getByRole('button', { name: 'Copy API token' })).toHaveText('Copied');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);
  const row = page.getByRole('row', { name: /HR sync/ });
  await expect(row.getByText('Active')).toBeVisible();
  await expect(row.getByRole('cell', { name: 'Never' })).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, 'api-tokens');

  // The token works against the REST API; the list then shows its last use.
  const created = await page.request.post('/api/invitations', {
    headers: { Authorization: `Bearer ${token}` },
    data: { email: 'api-invitee@tokens.example', first_name: 'Api', last_name: 'Invitee', role: 'member' },
  });
  expect(created.status()).toBe(201);
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole('row', { name: /HR sync/ }).getByRole('cell', { name: 'Never' })).toHaveCount(0);

  // Revoked: refused at once.
  await page.getByRole('button', { name: 'Revoke token HR sync' }).click();
  await expect(page.getByText('The token was revoked. It no longer works.')).toBeVisible();
  await expect(page.getByRole('row', { name: /HR sync/ }).getByText('Revoked')).toBeVisible();
  const refused = await page.request.get('/api/invitations', { headers: { Authorization: `Bearer ${token}` } });
  expect(refused.status()).toBe(401);
  expect(refused.headers()['content-type']).toBe('application/problem+json');
  await expectAccessible(page);

  // The API reference, from the same origin, read from the OpenAPI document.
  await page.getByRole('link', { name: 'API reference' }).click();
  await expect(page).toHaveURL(/\/api\/reference$/);
  await expect(page.getByRole('heading', { name: 'Gatehouse invitations API', level: 1 })).toBeVisible();
  const ops = page.getByRole('navigation', { name: 'Operations' });
  await ops.getByRole('link', { name: 'POST /api/invitations/bulk' }).click();
  await expect(page.getByRole('heading', { name: 'POST /api/invitations/bulk', level: 2 })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Problem', level: 3 })).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, 'api-reference');
});
