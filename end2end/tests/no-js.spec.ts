import { test, expect, type Browser, type Page } from '@playwright/test';
import crypto from 'node:crypto';
import { baseURL } from '../playwright.config';
import { expectAccessibleWithoutScripts, hydrated, linkFromMailbox, screenshots, sql } from './helpers';

// The forms a person submits work with scripts disabled: sign-in, registration from an emailed
// link and the partner tech lead's credential submission. Each is refused once on the server
// (the errors come back on the same page) and then completes.
test.describe.configure({ mode: 'serial' });

const PASSWORD = 'cedar meadow lantern 27';
// Argon2id (m=19456, t=2, p=1) of PASSWORD with a fixed salt: a test fixture only.
const PHC =
  '$argon2id$v=19$m=19456,t=2,p=1$Z2F0ZWhvdXNlLWUyZS1maXh0dXJl$fOceg8Ol91FrLmUVN3IyErLv9js6DRVieMH6kpsqpXI';
const ORG = '3c9d5e21-8a4b-4f6c-9d0e-1f2a3b4c5d6e';
const OWNER = { id: '4d0e6f32-9b5c-4a7d-8e1f-2a3b4c5d6e7f', email: 'owner@riverside.example' };
const PROVIDER = '5e1f7a43-0c6d-4b8e-9f2a-3b4c5d6e7f80';
const PARTNER = '6f2a8b54-1d7e-4c9f-8a3b-4c5d6e7f8091';
const CREDENTIAL_INVITATION = '7a3b9c65-2e8f-4d0a-9b4c-5d6e7f8091a2';
// The credential link's token, and the SHA-256 of its 32 bytes as Gatehouse stores it.
const TOKEN = crypto.randomBytes(32).toString('hex');
const TOKEN_HASH = crypto.createHash('sha256').update(Buffer.from(TOKEN, 'hex')).digest('hex');
const STRONG = 'Vq7_rT2-kZ9pX4mW8nB3yH6cJ1dF5gL0sA';

test.beforeAll(() => {
  sql(`INSERT INTO organisations (id, name, kind) VALUES ('${ORG}', 'Riverside Clinic', 'company') ON CONFLICT DO NOTHING`);
  sql(`INSERT INTO users (id, email, first_name, last_name, password_hash)
       VALUES ('${OWNER.id}', '${OWNER.email}', 'Rosa', 'Tester', '${PHC}') ON CONFLICT DO NOTHING`);
  sql(`INSERT INTO memberships (user_id, organisation_id, role) VALUES ('${OWNER.id}', '${ORG}', 'owner') ON CONFLICT DO NOTHING`);
  sql(`INSERT INTO integration_providers (id, name, description, environments, security_policy_url, runbook_url, escalation_email)
       VALUES ('${PROVIDER}', 'Beacon Pay', 'Card payments', ARRAY['sandbox','production'],
               'https://beacon.example/security', 'https://beacon.example/runbook', 'oncall@beacon.example') ON CONFLICT DO NOTHING`);
  sql(`INSERT INTO partners (id, organisation_id, name, legal_basis, agreement_document_id, provider_id, environment, contacts, status, created_by)
       VALUES ('${PARTNER}', '${ORG}', 'Northwind Labs', 'Contract', 'DSA-2026-077', '${PROVIDER}', 'sandbox',
               '[{"name": "Nell Lead", "email": "nell@northwind.example"}]', 'approved', '${OWNER.id}') ON CONFLICT DO NOTHING`);
  sql(`INSERT INTO credential_invitations (id, partner_id, provider_id, environment, recipient_email, token_hash, expires_at, created_by)
       VALUES ('${CREDENTIAL_INVITATION}', '${PARTNER}', '${PROVIDER}', 'sandbox', 'nell@northwind.example',
               decode('${TOKEN_HASH}', 'hex'), now() + interval '7 days', '${OWNER.id}') ON CONFLICT DO NOTHING`);
});

/** A browser context with JavaScript disabled: no hydration, every form posts itself. */
async function noScriptPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ baseURL, reducedMotion: 'reduce', javaScriptEnabled: false });
  return context.newPage();
}

test('sign-in works without JavaScript, and a wrong password comes back as a message', async ({ browser }) => {
  const page = await noScriptPage(browser);
  // A protected page sends the visitor to sign in, remembering where they were going.
  await page.goto('/company/manage-invitations');
  await expect(page).toHaveURL(/\/login\?next=%2Fcompany%2Fmanage-invitations$/);
  await expect(page.locator('body[data-hydrated]')).toHaveCount(0);

  await page.getByLabel('Email address').fill(OWNER.email);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/login\?/);
  await expect(page.getByRole('alert')).toContainText('The email address or password is incorrect.');
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expectAccessibleWithoutScripts(page);
  await screenshots(page, 'no-js-login-refused');

  await page.getByLabel('Email address').fill(OWNER.email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/company\/manage-invitations$/);
  await expect(page.getByRole('heading', { name: 'Member Invitations' })).toBeVisible();
  await page.context().close();
});

test('registration from an emailed link completes without JavaScript', async ({ page, browser }) => {
  // The owner invites a colleague (with scripts: the invite dialog is an admin tool).
  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('Email address').fill(OWNER.email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/company$/);
  await page.goto('/company/manage-invitations');
  await hydrated(page);
  await page.getByRole('button', { name: 'Invite Member' }).click();
  const dialog = page.getByRole('dialog', { name: 'Invite Member' });
  await dialog.getByLabel('Email address').fill('nurse@riverside.example');
  await dialog.getByLabel('First name').fill('Noor');
  await dialog.getByLabel('Last name').fill('Haddad');
  await dialog.getByLabel('Role').selectOption({ label: 'Member' });
  await dialog.getByRole('button', { name: 'Send Invitation' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Invitation sent to nurse@riverside.example.' })).toBeVisible();

  const p = await noScriptPage(browser);
  const link = await linkFromMailbox(p, 'nurse@riverside.example');
  await p.goto(link);
  await expect(p.getByRole('heading', { name: 'Join Riverside Clinic' })).toBeVisible();
  await expect(p.getByLabel('First name')).toHaveValue('Noor');
  // Rendered by the server alone: exactly 7 days when the page loads within the second the
  // invitation was made, a little less otherwise.
  await expect(p.getByRole('timer')).toContainText(/^(6 days, 23 hours|7 days, 0 hours)/);

  // The server's checks, each shown next to its field.
  await p.getByLabel('Password', { exact: true }).fill('short');
  await p.getByLabel('Confirm password').fill('different');
  await p.getByRole('button', { name: 'Complete Registration' }).click();
  await expect(p.getByText('Use at least 15 characters.')).toBeVisible();
  await expect(p.getByText('The passwords do not match.')).toBeVisible();
  await expect(p.getByLabel('Password', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await p.getByLabel('Password', { exact: true }).fill('passwordpassword1');
  await p.getByLabel('Confirm password').fill('passwordpassword1');
  await p.getByRole('button', { name: 'Complete Registration' }).click();
  await expect(p.getByText(/Choose a longer, less predictable password/)).toBeVisible();
  await expect(p.getByText('The passwords do not match.')).toHaveCount(0);
  await expect(p.getByRole('heading', { name: 'Join Riverside Clinic' })).toBeVisible();
  await expectAccessibleWithoutScripts(p);
  await screenshots(p, 'no-js-register-refused');

  await p.getByLabel('Password', { exact: true }).fill('harbour quill saffron meadow');
  await p.getByLabel('Confirm password').fill('harbour quill saffron meadow');
  await p.getByRole('button', { name: 'Complete Registration' }).click();
  await expect(p).toHaveURL(/\/home$/);
  await expect(p.getByRole('heading', { name: 'Welcome, Noor' })).toBeVisible();
  await expectAccessibleWithoutScripts(p);
  await screenshots(p, 'no-js-member-home');
  await p.context().close();

  await page.reload();
  await expect(page.getByRole('row', { name: /nurse@riverside\.example/ }).getByText('Accepted', { exact: true })).toBeVisible();
});

test('the tech lead submits credentials without JavaScript; a weak secret is refused by the server', async ({ browser }) => {
  const p = await noScriptPage(browser);
  const link = `/integrations/credential-invite/${TOKEN}`;
  await p.goto(link);
  await expect(p.getByRole('heading', { name: 'Submit Beacon Pay credentials' })).toBeVisible();
  await expect(p.getByText('Rotate this secret every 90 days.')).toBeVisible();

  await p.getByLabel('Key ID').fill('nw-key-01');
  await p.getByLabel('Secret', { exact: true }).fill('password1234');
  await p.getByLabel('Confirm secret').fill('password1234');
  await p.getByRole('button', { name: 'Submit credentials' }).click();
  // The server ran the browser's validator: the same reasons, next to the field.
  await expect(p.getByText(/The secret has 12 characters; this provider requires at least 32\./)).toBeVisible();
  await expect(p.getByText(/common word or keyboard pattern/)).toBeVisible();
  await expect(p.getByLabel('Secret', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await expect(p.getByRole('heading', { name: 'Submit Beacon Pay credentials' })).toBeVisible();
  await expectAccessibleWithoutScripts(p);
  await screenshots(p, 'no-js-credential-refused');

  await p.getByLabel('Key ID').fill('nw-key-01');
  await p.getByLabel('Secret', { exact: true }).fill(STRONG);
  await p.getByLabel('Confirm secret').fill(STRONG);
  await p.getByRole('button', { name: 'Submit credentials' }).click();
  await expect(p.getByRole('heading', { name: 'Credentials received' })).toBeVisible();
  await expect(p.getByText('will never be shown again')).toBeVisible();
  await expect(p.getByText(/Rotate this secret every 90 days\. It is due on \d{4}-\d{2}-\d{2}/)).toBeVisible();
  expect(await p.content()).not.toContain(STRONG);
  await expectAccessibleWithoutScripts(p);
  await screenshots(p, 'no-js-credential-done');

  // The confirmation is shown once; the link itself works once.
  await p.goto(link);
  await expect(p.getByText('Credentials were already submitted with this link.')).toBeVisible();
  await p.context().close();

  sql(`DO $$ BEGIN
         IF NOT EXISTS (SELECT 1 FROM credential_invitations
                         WHERE id = '${CREDENTIAL_INVITATION}' AND status = 'accepted' AND api_key_id = 'nw-key-01')
         THEN RAISE EXCEPTION 'credential invitation not accepted'; END IF;
       END $$`);
});
