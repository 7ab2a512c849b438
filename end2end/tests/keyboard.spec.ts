import { test, expect, type Page, type Locator, type Browser } from '@playwright/test';
import { FIXTURE_PASSWORD, enhanced, hydrated, seedPerson, sql } from './helpers';
import { baseURL } from '../playwright.config';

// The three public flows, completed with the keyboard alone: Tab to move, typing, Enter to
// submit. Set-up that is not the flow under test (making the invitation, the code, the
// credential link) goes through the server functions directly.

const ORG = { id: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d', name: 'Keyboard Works' };
const ADMIN = { id: '2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e', email: 'admin@keyboard.example' };
const MANAGER = { id: '3c4d5e6f-7a8b-4c9d-8e1f-2a3b4c5d6e7f', email: 'integrations@keyboard.example' };
const PROVIDER = '4d5e6f7a-8b9c-4d0e-9f2a-3b4c5d6e7f80';
const PARTNER = '5e6f7a8b-9c0d-4e1f-8a3b-4c5d6e7f8091';
// A registration token for the seeded invitation (64 hex characters; only its SHA-256 is stored).
const TOKEN = 'a1'.repeat(32);

test.beforeAll(() => {
  seedPerson({ orgId: ORG.id, orgName: ORG.name, kind: 'company', userId: ADMIN.id, email: ADMIN.email,
               firstName: 'Kai', lastName: 'Board', role: 'owner' });
  seedPerson({ orgId: ORG.id, orgName: ORG.name, kind: 'company', userId: MANAGER.id, email: MANAGER.email,
               firstName: 'Ines', lastName: 'Key', role: 'integration_manager' });
  sql(`INSERT INTO invitations (id, organisation_id, email, first_name, last_name, role, token_hash, expires_at)
       VALUES (gen_random_uuid(), '${ORG.id}', 'typist@keyboard.example', 'Tia', 'Typist', 'member',
               sha256(decode('${TOKEN}', 'hex')), now() + interval '3 days') ON CONFLICT DO NOTHING`);
  sql(`INSERT INTO integration_providers (id, name, description, environments, security_policy_url, runbook_url, escalation_email)
       VALUES ('${PROVIDER}', 'Keyboard Payments', 'Payment status updates', ARRAY['sandbox'],
               'https://keys.example/security', 'https://keys.example/runbook', 'oncall@keys.example') ON CONFLICT DO NOTHING`);
  sql(`INSERT INTO partners (id, organisation_id, name, legal_basis, agreement_document_id, provider_id, environment,
                             contacts, scopes, status, created_by)
       VALUES ('${PARTNER}', '${ORG.id}', 'Key Bank', 'Contract', 'DSA-9', '${PROVIDER}', 'sandbox',
               '[{"name": "Lee Lead", "email": "lead@keybank.example"}]', ARRAY['partner:ping'], 'approved', '${MANAGER.id}')
       ON CONFLICT DO NOTHING`);
});

/** Presses Tab until `target` has the focus (at most 40 times). */
async function tabTo(page: Page, target: Locator) {
  for (let i = 0; i < 40; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error('Tab never reached the target');
}

/** A browser of its own, signed in as `email` through the sign-in server function. */
async function signedIn(browser: Browser, email: string) {
  const context = await browser.newContext({ baseURL, reducedMotion: 'reduce' });
  const res = await context.request.post('/rpc/auth/sign-in', { form: { email, password: FIXTURE_PASSWORD } });
  expect(res.ok()).toBeTruthy();
  return context;
}

test('an invitee registers with the keyboard alone', async ({ page }) => {
  await page.goto(`/register?token=${TOKEN}&org=${ORG.id}`);
  await enhanced(page);
  await expect(page.getByRole('heading', { name: /Join Keyboard Works/ })).toBeVisible();
  await tabTo(page, page.getByLabel('First name'));
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type('Tia');
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Last name')).toBeFocused();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type('Typist');
  await tabTo(page, page.getByLabel('Password', { exact: true }));
  await page.keyboard.type('violet harbour copper kettle');
  await tabTo(page, page.getByLabel('Confirm password'));
  await page.keyboard.type('violet harbour copper kettle');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/home$/);
  await expect(page.getByRole('heading', { name: 'Welcome, Tia' })).toBeVisible();
});

test('a person joins with an invite code with the keyboard alone; the code field upper-cases and groups', async ({ browser }) => {
  const admin = await signedIn(browser, ADMIN.email);
  const res = await admin.request.post('/rpc/invite-codes/create', {
    form: { role: 'member', expires_in_days: '7', max_uses: '1', note: 'keyboard', count: '1' },
  });
  expect(res.ok()).toBeTruthy();
  const code: string = (await res.json()).codes[0].code;
  await admin.close();

  const context = await browser.newContext({ baseURL, reducedMotion: 'reduce' });
  const page = await context.newPage();
  // A prefilled code shows normalised.
  await page.goto(`/join?code=${code.toLowerCase().replace(/-/g, '')}`);
  await expect(page.getByLabel('Invite code')).toHaveValue(code);

  await page.goto('/join');
  await hydrated(page);
  await tabTo(page, page.getByLabel('Invite code'));
  // Typed lower-case with spaces, shown upper-cased in groups of four.
  await page.keyboard.type(code.toLowerCase().replace(/-/g, ' '));
  await expect(page.getByLabel('Invite code')).toHaveValue(code);
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Display name')).toBeFocused();
  await page.keyboard.type('Kim Keys');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Welcome to Keyboard Works' })).toBeVisible();
  await tabTo(page, page.getByRole('link', { name: 'Continue to your dashboard' }));
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/home$/);
  await context.close();
});

test("a partner's tech lead submits credentials with the keyboard alone", async ({ browser }) => {
  const manager = await signedIn(browser, MANAGER.email);
  const res = await manager.request.post('/rpc/integrations/credential-invitations/create', {
    form: { partner_id: PARTNER, recipient_email: 'lead@keybank.example', environment: 'sandbox' },
  });
  expect(res.ok(), await res.text()).toBeTruthy();
  const link: string = (await res.json()).link;
  await manager.close();

  const context = await browser.newContext({ baseURL, reducedMotion: 'reduce' });
  const page = await context.newPage();
  await page.goto(link);
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Submit Keyboard Payments credentials' })).toBeVisible();
  await tabTo(page, page.getByLabel('Key ID'));
  await page.keyboard.type('kb-key-01');
  await tabTo(page, page.getByLabel('Secret', { exact: true }));
  const secret = 'kJ8_f-3ZqP0vX9mR2tW7yB4nL6hD1sGc5eA';
  await page.keyboard.type(secret);
  await tabTo(page, page.getByLabel('Confirm secret'));
  await page.keyboard.type(secret);
  await tabTo(page, page.getByRole('button', { name: 'Submit credentials' }));
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Credentials received' })).toBeVisible();
  await context.close();
});
