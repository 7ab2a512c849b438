import { test, expect } from '@playwright/test';
import { FIXTURE_PASSWORD, enhanced, expectAccessible, hydrated, screenshots, seedPerson, signIn, sql } from './helpers';

// Someone who already has an account is invited to a second organisation: the registration
// page offers sign-in instead of a password form, and after signing in they accept with one
// button. The page is served without the browser app; its forms post themselves.

const HOME = { id: '8b4c0d76-3f9a-4e1b-8c5d-6e7f8091a2b3', name: 'Harbour Works' };
const QUAY = { id: '9c5d1e87-4a0b-4f2c-9d6e-7f8091a2b3c4', name: 'Quay Partners' };
const KNOWN = { id: 'ad6e2f98-5b1c-4a3d-8e7f-8091a2b3c4d5', email: 'known@harbour.example' };
const OTHER = { id: 'be7f3a09-6c2d-4b4e-9f80-91a2b3c4d5e6', email: 'other@harbour.example' };
// The invitation's token (64 hex characters; only its SHA-256 is stored).
const TOKEN = 'c3'.repeat(32);
const LINK = `/register?token=${TOKEN}&org=${QUAY.id}`;

test.describe.configure({ mode: 'serial' });

test.beforeAll(() => {
  seedPerson({ orgId: HOME.id, orgName: HOME.name, kind: 'company', userId: KNOWN.id, email: KNOWN.email,
               firstName: 'Kit', lastName: 'Known', role: 'member' });
  seedPerson({ orgId: HOME.id, orgName: HOME.name, kind: 'company', userId: OTHER.id, email: OTHER.email,
               firstName: 'Oti', lastName: 'Other', role: 'member' });
  sql(`INSERT INTO organisations (id, name, kind) VALUES ('${QUAY.id}', '${QUAY.name}', 'company') ON CONFLICT DO NOTHING`);
  sql(`INSERT INTO invitations (id, organisation_id, email, first_name, last_name, role, token_hash, expires_at)
       VALUES (gen_random_uuid(), '${QUAY.id}', '${KNOWN.email}', 'Kit', 'Known', 'admin',
               sha256(decode('${TOKEN}', 'hex')), now() + interval '2 days') ON CONFLICT DO NOTHING`);
});

test('someone signed in as another person is told to sign out first', async ({ page }) => {
  await signIn(page, OTHER.email, /\/home$/);

  await page.goto(LINK);
  await enhanced(page);
  await expect(page.getByRole('heading', { name: 'You already have an account' })).toBeVisible();
  await expect(page.getByText(`You are signed in as ${OTHER.email}, but this invitation is for ${KNOWN.email}.`, { exact: false })).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, 'register-signed-in-as-other');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto(LINK);
  await expect(page.getByRole('link', { name: 'Sign in to accept' })).toBeVisible();
});

test('an invitee with an account signs in from the page and accepts', async ({ page }) => {
  await page.goto(LINK);
  await enhanced(page);
  await expect(page.getByRole('heading', { name: `Join ${QUAY.name}` })).toBeVisible();
  await expect(page.getByRole('timer')).toContainText(/^(1 day, 23 hours|2 days, 0 hours)/);
  await expect(page.getByText(`An account with ${KNOWN.email} already exists.`)).toBeVisible();
  // No password form: the account has one.
  await expect(page.getByText('Check the details, then accept with your account.')).toBeVisible();
  await expect(page.getByLabel('Password', { exact: true })).toHaveCount(0);
  await expectAccessible(page);
  await screenshots(page, 'register-existing-account');

  await page.getByRole('link', { name: 'Sign in to accept' }).click();
  await expect(page).toHaveURL(/\/login\?next=/);
  await hydrated(page);
  await page.getByLabel('Email address').fill(KNOWN.email);
  await page.getByLabel('Password').fill(FIXTURE_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();

  // Back on the invitation, signed in as the person it names.
  await expect(page).toHaveURL(new RegExp(`/register\\?token=${TOKEN}`));
  await enhanced(page);
  await expect(page.getByText(`You are signed in as ${KNOWN.email}. Accept to join ${QUAY.name}.`)).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, 'register-accept');
  await page.getByRole('button', { name: 'Accept invitation' }).click();
  await expect(page).toHaveURL(/\/company$/);
  await expect(page.getByRole('heading', { name: 'Welcome, Kit' })).toBeVisible();

  // The link is spent.
  await page.goto(LINK);
  await expect(page.getByRole('heading', { name: 'This invitation has already been used' })).toBeVisible();
});
