import { test, expect, type Page } from '@playwright/test';
import { expectAccessible, hydrated, screenshots, sql } from './helpers';
import { baseURL } from '../playwright.config';

// One story, in order: an integration manager registers a partner, a tenant admin approves it
// and sees the client secret once, a credential invitation goes to the partner's tech lead, who
// submits a key in a fresh browser (a weak one is refused before any request).
test.describe.configure({ mode: 'serial' });

const PASSWORD = 'cedar meadow lantern 27';
// Argon2id (m=19456, t=2, p=1) of PASSWORD with a fixed salt: a test fixture only.
const PHC =
  '$argon2id$v=19$m=19456,t=2,p=1$Z2F0ZWhvdXNlLWUyZS1maXh0dXJl$fOceg8Ol91FrLmUVN3IyErLv9js6DRVieMH6kpsqpXI';
const ORG = '5b0c7a52-3d1e-4f8a-9c61-0d2f4b7e8a13';
const OWNER = { id: '8e2a1f40-6b3c-4d5e-9f70-1a2b3c4d5e6f', email: 'owner@harbourbank.example' };
const MANAGER = { id: '9f3b2e51-7c4d-4e6f-8a81-2b3c4d5e6f70', email: 'integrations@harbourbank.example' };
const STRONG = 'kJ8_f-3ZqP0vX9mR2tW7yB4nL6hD1sGc5eA';
const PLATFORM_ADMIN = { id: 'a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d', email: 'platform-admin@gatehouse.example' };

let credentialLink = '';
let clientSecret = '';

test.beforeAll(() => {
  sql(`INSERT INTO organisations (id, name, kind) VALUES ('${ORG}', 'Harbour Bank Group', 'company') ON CONFLICT DO NOTHING`);
  for (const [u, first, role] of [[OWNER, 'Omar', 'owner'], [MANAGER, 'Ines', 'integration_manager']] as const) {
    sql(`INSERT INTO users (id, email, first_name, last_name, password_hash)
         VALUES ('${u.id}', '${u.email}', '${first}', 'Tester', '${PHC}') ON CONFLICT DO NOTHING`);
    sql(`INSERT INTO memberships (user_id, organisation_id, role) VALUES ('${u.id}', '${ORG}', '${role}') ON CONFLICT DO NOTHING`);
  }
  sql(`INSERT INTO integration_providers (id, name, description, environments, security_policy_url, runbook_url, escalation_email)
       VALUES ('1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f', 'Acme Payments', 'Payment status updates', ARRAY['sandbox','production'],
               'https://acme.example/security', 'https://acme.example/runbook', 'oncall@acme.example') ON CONFLICT DO NOTHING`);
  sql(`INSERT INTO users (id, email, first_name, last_name, password_hash)
       VALUES ('${PLATFORM_ADMIN.id}', '${PLATFORM_ADMIN.email}', 'Pia', 'Tester', '${PHC}') ON CONFLICT DO NOTHING`);
  sql(`INSERT INTO memberships (user_id, organisation_id, role)
       SELECT '${PLATFORM_ADMIN.id}', id, 'admin' FROM organisations WHERE kind = 'platform' ON CONFLICT DO NOTHING`);
});

async function signIn(page: Page, email: string) {
  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname !== '/login');
}

test('a platform admin adds a provider without a runbook and sees the warning', async ({ page }) => {
  await signIn(page, PLATFORM_ADMIN.email);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Integrations' }).click();
  await expect(page).toHaveURL(/\/integrations$/);
  await hydrated(page);
  await page.getByRole('button', { name: 'Add provider' }).click();
  const dialog = page.getByRole('dialog', { name: 'Provider' });
  await dialog.getByLabel('Name').fill('Legacy Payroll');
  await dialog.getByLabel('Description').fill('Monthly payroll exports');
  await dialog.getByRole('checkbox', { name: 'Sandbox' }).uncheck();
  await dialog.getByLabel('Security policy URL').fill('http://payroll.example/policy');
  await dialog.getByRole('button', { name: 'Save provider' }).click();
  await expect(dialog.getByText('Enter a full https:// address.')).toBeVisible();
  await dialog.getByLabel('Security policy URL').fill('https://payroll.example/policy');
  await expectAccessible(page);
  await screenshots(page, 'provider-dialog');
  await dialog.getByRole('button', { name: 'Save provider' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('status').filter({ hasText: 'Provider Legacy Payroll saved.' })).toBeVisible();
  const warning = page.getByRole('status').filter({ hasText: 'Legacy Payroll is missing policy information' });
  await expect(warning).toContainText('runbook URL, escalation email');
  await expectAccessible(page);
});

test('an integration manager registers a partner and submits it', async ({ page }) => {
  await signIn(page, MANAGER.email);
  await expect(page).toHaveURL(/\/integrations$/);
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Integrations', level: 1 })).toBeVisible();
  // The provider without a runbook and escalation contact carries a warning naming both.
  const warning = page.getByRole('status').filter({ hasText: 'Legacy Payroll is missing policy information' });
  await expect(warning).toContainText('runbook URL, escalation email');
  await expect(page.getByRole('status').filter({ hasText: 'Acme Payments is missing' })).toHaveCount(0);
  await expectAccessible(page);
  await screenshots(page, 'integrations');

  await page.getByRole('button', { name: 'Register partner' }).click();
  const dialog = page.getByRole('dialog', { name: 'Register partner' });
  await dialog.getByRole('button', { name: 'Register partner' }).click();
  await expect(dialog.getByText('Choose a provider.')).toBeVisible();
  await dialog.getByLabel('Organisation name').fill('First Bank');
  await dialog.getByLabel('Legal basis').fill('Contract, GDPR art. 6(1)(b)');
  await dialog.getByLabel('Data-sharing agreement ID').fill('DSA-2026-041');
  await dialog.getByLabel('Provider').selectOption({ label: 'Acme Payments' });
  await dialog.getByLabel('Environment').selectOption({ label: 'Sandbox' });
  await dialog.getByLabel('Technical contacts').fill('Tess Lead <tess@firstbank.example>');
  await dialog.getByRole('checkbox', { name: /members:read:anonymous/ }).check();
  await expect(dialog.getByRole('checkbox', { name: /partner:ping/ })).toBeChecked();
  await expectAccessible(page);
  await screenshots(page, 'register-partner');
  await dialog.getByRole('button', { name: 'Register partner' }).click();

  await expect(page).toHaveURL(/\/integrations\/partners\/[0-9a-f-]{36}$/);
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'First Bank', level: 1 })).toBeVisible();
  await expect(page.getByText('Draft', { exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'Submit for approval' }).click();
  await expect(page.getByText('Pending approval', { exact: true })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Approve' })).toHaveCount(0);
});

test('a tenant admin approves and sees the client secret once', async ({ page }) => {
  await signIn(page, OWNER.email);
  await page.goto('/integrations');
  await hydrated(page);
  await page.getByRole('link', { name: 'First Bank' }).click();
  await hydrated(page);
  await page.getByRole('button', { name: 'Approve' }).click();
  const approve = page.getByRole('dialog', { name: 'Approve partner' });
  await approve.getByRole('button', { name: 'Approve and issue credentials' }).click();
  await expect(approve.getByText('This field is required.')).toBeVisible();
  await approve.getByLabel('Policy document ID').fill('POL-2026-7');
  await approve.getByRole('button', { name: 'Approve and issue credentials' }).click();

  const creds = page.getByRole('dialog', { name: 'Client credentials' });
  await expect(creds.getByText('The client secret is shown once')).toBeVisible();
  await expect(creds.getByLabel('Client ID')).toHaveValue(/^gh_[0-9a-f]{32}$/);
  clientSecret = await creds.getByLabel('Client secret').inputValue();
  expect(clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  await expectAccessible(page);
  await screenshots(page, 'partner-credentials');
  await creds.getByRole('button', { name: 'I have stored the secret' }).click();
  await expect(page.getByText('Approved', { exact: true })).toBeVisible();

  await page.reload();
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'First Bank', level: 1 })).toBeVisible();
  expect(await page.content()).not.toContain(clientSecret);
});

test('an integration manager rotates the client secret and both work during the overlap', async ({ page }) => {
  await signIn(page, MANAGER.email);
  await page.getByRole('link', { name: 'First Bank' }).click();
  await hydrated(page);
  const card = page.getByRole('region', { name: 'Client secret' });
  await expect(card.getByText('Every 90 days (Acme Payments)')).toBeVisible();
  await expect(card.getByText('Current', { exact: true })).toBeVisible();
  await card.getByRole('button', { name: 'Rotate secret' }).click();
  const confirm = page.getByRole('dialog', { name: 'Rotate client secret' });
  await expect(confirm).toContainText('keeps working for the overlap window');
  await expectAccessible(page);
  await confirm.getByRole('button', { name: 'Issue new secret' }).click();

  const creds = page.getByRole('dialog', { name: 'Client credentials' });
  const clientId = await creds.getByLabel('Client ID').inputValue();
  const rotated = await creds.getByLabel('Client secret').inputValue();
  expect(rotated).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(rotated).not.toBe(clientSecret);
  await creds.getByRole('button', { name: 'I have stored the secret' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'New client secret issued.' })).toBeVisible();
  await expect(card.getByText(/^Made .* works until /)).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, 'partner-secret-rotated');

  // The partner's client: the old and the new secret both get tokens for now.
  for (const secret of [clientSecret, rotated]) {
    const res = await page.request.post('/oauth/token', {
      form: { grant_type: 'client_credentials' },
      headers: { authorization: 'Basic ' + Buffer.from(`${clientId}:${secret}`).toString('base64') },
    });
    expect(res.status()).toBe(200);
  }
  clientSecret = rotated;

  // 100 days on, the secret is overdue: the Integrations page lists it under "Rotations due".
  sql(`UPDATE partners SET credentials_issued_at = now() - interval '100 days' WHERE name = 'First Bank'`);
  await page.goto('/integrations');
  await hydrated(page);
  const due = page.getByRole('region', { name: 'Rotations due' });
  await expect(due.getByRole('row', { name: /First Bank.*Overdue/ })).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, 'rotations-due');
  await due.getByRole('link', { name: 'First Bank' }).click();
  await hydrated(page);
  await expect(page.getByRole('region', { name: 'Client secret' }).getByText('Overdue', { exact: true })).toBeVisible();
  // Back to a fresh secret for the rest of the story.
  sql(`UPDATE partners SET credentials_issued_at = now() WHERE name = 'First Bank'`);
});

test('a credential invitation is generated after confirming the provider metadata', async ({ page }) => {
  await signIn(page, MANAGER.email);
  await page.getByRole('link', { name: 'First Bank' }).click();
  await hydrated(page);
  await page.getByRole('button', { name: 'Invite tech lead' }).click();
  const dialog = page.getByRole('dialog', { name: 'Invite tech lead' });
  await expect(dialog.getByRole('heading', { name: 'Confirm Acme Payments metadata' })).toBeVisible();
  await expect(dialog.getByRole('link', { name: 'https://acme.example/runbook' })).toBeVisible();
  await expect(dialog.getByLabel("Tech lead's email")).toHaveValue('tess@firstbank.example');
  await dialog.getByRole('button', { name: 'Send invitation' }).click();
  await expect(dialog.getByText('Credential invitation sent.')).toBeVisible();
  credentialLink = await dialog.getByLabel('Invitation link').inputValue();
  expect(credentialLink).toMatch(/\/integrations\/credential-invite\/[0-9a-f]{64}$/);
  await expectAccessible(page);
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByRole('row').filter({ hasText: 'tess@firstbank.example' }).getByText('Pending', { exact: true })).toBeVisible();
  await screenshots(page, 'partner-detail');
});

test('the tech lead submits a key: weak ones are refused in the browser, a strong one is kept', async ({ browser }) => {
  const context = await browser.newContext({ baseURL, reducedMotion: 'reduce' });
  const page = await context.newPage();
  const submits: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/rpc/integrations/credential-invite/submit')) submits.push(r.url());
  });
  await page.goto(credentialLink);
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Submit Acme Payments credentials' })).toBeVisible();
  await expect(page.getByRole('timer')).toContainText('6 days');
  await expect(page.getByText('Rotate this secret every 90 days.')).toBeVisible();
  await expect(page.getByRole('link', { name: 'oncall@acme.example' })).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, 'credential-invite');

  await page.getByLabel('Key ID').fill('fb-key-01');
  await page.getByLabel('Secret', { exact: true }).fill('password1234');
  await expect(page.getByText('The secret has 12 characters; this provider requires at least 32.')).toBeVisible();
  await expect(page.getByText(/common word or keyboard pattern/).first()).toBeVisible();
  await page.getByLabel('Confirm secret').fill('password1234');
  await page.getByRole('button', { name: 'Submit credentials' }).click();
  await expect(page.getByLabel('Secret', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  expect(submits).toHaveLength(0);
  await expectAccessible(page);
  await screenshots(page, 'credential-invite-weak');

  // The browser (wasm) and the server judge keys with the same validator: same reasons.
  const token = credentialLink.split('/').pop()!;
  for (const key of ['password1234', 'a'.repeat(36), 'abcdefghijklmnopqrstuvwxyz0123456789', 'Xk9#mP2$ vL7@nQ4&wR8*zT1!bY6^cU3%', STRONG]) {
    await page.getByLabel('Secret', { exact: true }).fill(key);
    const browserSays = (await page.locator('#secret-strength li').allTextContents()).map((t) => t.trim());
    const res = await page.request.post('/rpc/integrations/credential-invite/submit', {
      form: { token, api_key_id: 'fb-key-01', secret: key, secret_confirmation: `${key}-mismatch` },
    });
    expect(res.status()).toBe(422);
    const fields: { field: string; message: string }[] = (await res.json()).Validation;
    const serverSays = fields.find((f) => f.field === 'secret')?.message ?? '';
    expect(serverSays).toBe(browserSays.join(' '));
  }

  await page.getByRole('button', { name: 'Show' }).first().click();
  await expect(page.getByLabel('Secret', { exact: true })).toHaveAttribute('type', 'text');
  await page.getByLabel('Secret', { exact: true }).fill(STRONG);
  await expect(page.getByText(/Strong enough: about \d+ bits\./)).toBeVisible();
  await page.getByLabel('Confirm secret').fill(STRONG);
  const before = submits.length;
  await page.getByRole('button', { name: 'Submit credentials' }).click();
  await expect(page.getByRole('heading', { name: 'Credentials received' })).toBeVisible();
  await expect(page.getByText('will never be shown again')).toBeVisible();
  expect(submits).toHaveLength(before + 1);
  await expectAccessible(page);
  await screenshots(page, 'credential-invite-done');

  // The link works once.
  await page.goto(credentialLink);
  await expect(page.getByText('Credentials were already submitted with this link.')).toBeVisible();
  await context.close();
});

test('the admin view shows the rotation metadata', async ({ page }) => {
  await signIn(page, OWNER.email);
  await page.goto('/integrations');
  await page.getByRole('link', { name: 'First Bank' }).click();
  await hydrated(page);
  const row = page.getByRole('row').filter({ hasText: 'tess@firstbank.example' });
  await expect(row.getByText('Accepted', { exact: true })).toBeVisible();
  await expect(row.getByText(/Every 90 days · due \d{4}-\d{2}-\d{2}/).filter({ visible: true })).toBeVisible();
  await expect(row.getByText('key ID fb-key-01')).toBeVisible();
  await row.getByRole('button', { name: /^Events of the invitation/ }).click();
  const events = page.getByRole('dialog', { name: 'Invitation events' });
  // The direct posts of weak keys were refused on the server and recorded with a reason.
  await expect(events.getByText('submit rejected').first()).toBeVisible();
  await expect(events.getByText(/reason too_short/).first()).toBeVisible();
  await expect(events.getByText('accepted', { exact: true })).toBeVisible();
  expect(await page.content()).not.toContain(STRONG);
  await expectAccessible(page);
  await screenshots(page, 'partner-rotation');
});
