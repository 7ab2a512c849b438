import { test, expect, type Page } from '@playwright/test';
import fs from 'node:fs';
import { baseURL, serverLog } from '../playwright.config';
import { enhanced, expectAccessible, hydrated, linkFromMailbox, screenshots, sql } from './helpers';

// One story, in order: a fresh Gatehouse, its first admin, a member, and every dead link.
test.describe.configure({ mode: 'serial' });

const ADMIN_PASSWORD = 'amber falcon orchard window';
const MEMBER_PASSWORD = 'quiet river copper lantern';

async function signIn(page: Page, email: string, password: string) {
  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname !== '/login');
}

async function invite(page: Page, email: string, first: string, last: string) {
  await page.getByRole('button', { name: 'Invite Member' }).click();
  const dialog = page.getByRole('dialog', { name: 'Invite Member' });
  await dialog.getByLabel('Email address').fill(email);
  await dialog.getByLabel('First name').fill(first);
  await dialog.getByLabel('Last name').fill(last);
  await dialog.getByLabel('Role').selectOption({ label: 'Member' });
  await dialog.getByRole('button', { name: 'Send Invitation' }).click();
  await expect(page.getByRole('status').filter({ hasText: `Invitation sent to ${email}.` })).toBeVisible();
  await expect(dialog).toBeHidden();
}

test('the bootstrap admin registers from the printed link', async ({ page }) => {
  const log = fs.readFileSync(serverLog, 'utf8');
  const link = log.match(new RegExp(`${baseURL.replace(/\./g, '\\.')}/register\\?token=[0-9a-f]{64}&org=[0-9a-f-]{36}`))?.[0];
  expect(link, 'the first start prints a registration link').toBeTruthy();

  await page.goto(link!);
  await enhanced(page);
  await expect(page.getByRole('heading', { name: 'Join Gatehouse' })).toBeVisible();
  const timer = page.getByRole('timer');
  await expect(timer).toContainText('6 days, 23 hours');
  await expect(page.getByText('Platform admin')).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, 'register');

  // The page script's checks before any request (the form did not post: the URL has no
  // error in it), the first refused field focused.
  await page.getByLabel('Password', { exact: true }).fill('short');
  await page.getByLabel('Confirm password').fill('different');
  await page.getByRole('button', { name: 'Complete Registration' }).click();
  await expect(page.getByText('Use at least 15 characters.')).toBeVisible();
  await expect(page.getByText('The passwords do not match.')).toBeVisible();
  expect(page.url()).not.toContain('__err');
  await expect(page.getByLabel('Password', { exact: true })).toBeFocused();
  await expect(page.getByLabel('Password', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByLabel('Password', { exact: true })).toHaveAccessibleDescription(/Use at least 15 characters\./);
  // The server's blocklist check, shown next to the field on the page it comes back to, with
  // the names as they were typed and the refused field focused.
  await page.getByLabel('First name').fill('Grace');
  await page.getByLabel('Password', { exact: true }).fill('passwordpassword1');
  await page.getByLabel('Confirm password').fill('passwordpassword1');
  await page.getByRole('button', { name: 'Complete Registration' }).click();
  await expect(page.getByText(/Choose a longer, less predictable password/)).toBeVisible();
  await enhanced(page);
  await expect(page.getByLabel('First name')).toHaveValue('Grace');
  await expect(page.getByLabel('Password', { exact: true })).toBeFocused();
  await expect(page.getByLabel('Password', { exact: true })).toHaveValue('');
  await expectAccessible(page);
  await screenshots(page, 'register-errors');

  await page.getByLabel('First name').fill('Grace');
  await page.getByLabel('Last name').fill('Hopper');
  await page.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
  await page.getByLabel('Confirm password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Complete Registration' }).click();
  await expect(page).toHaveURL(/\/admin$/);
  await expect(page.getByRole('heading', { name: 'Welcome, Grace' })).toBeVisible();
  await hydrated(page);
  await expectAccessible(page);
  await screenshots(page, 'admin-dashboard');
});

test('the admin signs in and the invite dialog checks every field', async ({ page }) => {
  await page.goto('/login');
  await hydrated(page);
  await expectAccessible(page);
  await screenshots(page, 'login');
  await page.getByLabel('Email address').fill('admin@localhost');
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('The email address or password is incorrect.');

  await signIn(page, 'admin@localhost', ADMIN_PASSWORD);
  await expect(page).toHaveURL(/\/admin$/);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Member Invitations' }).click();
  await expect(page).toHaveURL(/\/admin\/invitations$/);
  await expect(page.getByRole('heading', { name: 'Member Invitations' })).toBeVisible();
  await hydrated(page);

  await page.getByRole('button', { name: 'Invite Member' }).click();
  const dialog = page.getByRole('dialog', { name: 'Invite Member' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel('Email address')).toBeFocused();
  await dialog.getByLabel('Email address').fill('not an email');
  await dialog.getByRole('button', { name: 'Send Invitation' }).click();
  await expect(dialog.getByText('Enter an email address like name@example.org.')).toBeVisible();
  await expect(dialog.getByText('This field is required.').first()).toBeVisible();
  await expect(dialog.getByText('Choose a role.')).toBeVisible();
  await expect(dialog.getByLabel('Email address')).toHaveAttribute('aria-invalid', 'true');
  // The page behind the modal is inert: out of reach for keyboard and assistive technology.
  await expect(page.locator('#main')).toHaveAttribute('inert', '');
  await expect(page.locator('[inert] [role="dialog"]')).toHaveCount(0);
  await expectAccessible(page);
  await screenshots(page, 'invite-dialog-errors');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('button', { name: 'Invite Member' })).toBeFocused();
});

test('the admin invites a member who registers from the email and lands on /home', async ({ page, browser }) => {
  await signIn(page, 'admin@localhost', ADMIN_PASSWORD);
  await page.goto('/admin/invitations');
  await hydrated(page);
  await invite(page, 'member@example.org', 'Ada', 'Lovelace');
  const row = page.getByRole('row', { name: /member@example\.org/ });
  await expect(row.getByText('Pending', { exact: true })).toBeVisible();
  await expect(row.getByText('Queued')).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, 'invitations-list');

  // The history dialog shows the audit trail.
  await row.getByRole('button', { name: /History/ }).click();
  const history = page.getByRole('dialog', { name: 'Invitation history' });
  await expect(history.getByText('created')).toBeVisible();
  await expectAccessible(page);
  await page.keyboard.press('Escape');

  // The invitee, in a browser of their own, reads the email in the dev mailbox.
  const invitee = await browser.newContext();
  const p = await invitee.newPage();
  const link = await linkFromMailbox(p, 'member@example.org');
  await hydrated(p);
  await expectAccessible(p);
  await screenshots(p, 'dev-mailbox');
  await p.goto(link);
  await enhanced(p);
  await expect(p.getByRole('heading', { name: 'Join Gatehouse' })).toBeVisible();
  await expect(p.getByRole('timer')).toBeVisible();
  await expect(p.getByLabel('First name')).toHaveValue('Ada');
  await p.getByLabel('Password', { exact: true }).fill(MEMBER_PASSWORD);
  await p.getByLabel('Confirm password').fill(MEMBER_PASSWORD);
  await p.getByRole('button', { name: 'Complete Registration' }).click();
  await expect(p).toHaveURL(/\/home$/);
  await expect(p.getByRole('heading', { name: 'Welcome, Ada' })).toBeVisible();
  await hydrated(p);
  await expectAccessible(p);
  await screenshots(p, 'member-home');

  // The used link now has its own page.
  await p.goto(link);
  await expect(p.getByRole('heading', { name: 'This invitation has already been used' })).toBeVisible();
  await expectAccessible(p);
  await screenshots(p, 'link-used');

  // Sign out ends the session.
  await p.goto('/home');
  await hydrated(p);
  await p.getByRole('button', { name: 'Sign out' }).click();
  await expect(p).toHaveURL(/\/login/);
  await p.goto('/home');
  await expect(p).toHaveURL(/\/login\?next=%2Fhome/);
  await invitee.close();

  await page.reload();
  await expect(page.getByRole('row', { name: /member@example\.org/ }).getByText('Accepted', { exact: true })).toBeVisible();
});

test('revoked, expired and unknown links each say what happened', async ({ page, browser }) => {
  await signIn(page, 'admin@localhost', ADMIN_PASSWORD);
  await page.goto('/admin/invitations');
  await hydrated(page);
  await invite(page, 'revoked@example.org', 'Rex', 'Voked');
  await invite(page, 'late@example.org', 'Lee', 'Late');

  // The invitee got the email before the admin changed their mind.
  const visitor = await browser.newContext();
  const p = await visitor.newPage();
  const revokedLink = await linkFromMailbox(p, 'revoked@example.org');
  const lateLink = await linkFromMailbox(p, 'late@example.org');

  const row = page.getByRole('row', { name: /revoked@example\.org/ });
  await row.getByRole('button', { name: /Revoke/ }).click();
  const confirm = page.getByRole('dialog', { name: 'Revoke invitation' });
  await confirm.getByLabel('Reason').fill('Sent to the wrong person');
  await expectAccessible(page);
  await confirm.getByRole('button', { name: 'Revoke invitation' }).click();
  await expect(page.getByRole('row', { name: /revoked@example\.org/ }).getByText('Revoked', { exact: true })).toBeVisible();

  const response = await p.goto(revokedLink);
  expect(response?.status()).toBe(410);
  await expect(p.getByRole('heading', { name: 'This invitation was revoked' })).toBeVisible();
  await expectAccessible(p);
  await screenshots(p, 'link-revoked');

  // Ten minutes before expiry the countdown shows seconds and ticks, worded as the server
  // words it.
  sql("UPDATE invitations SET expires_at = now() + interval '10 minutes' WHERE email = 'late@example.org'");
  await p.goto(lateLink);
  await enhanced(p);
  const timer = p.getByRole('timer');
  await expect(timer).toContainText(/^(9|10) minutes?, \d+ seconds?$/);
  const first = await timer.textContent();
  await expect(timer).not.toHaveText(first ?? '', { timeout: 5_000 });
  await expect(timer).toHaveText(/^(9|10) minutes?, \d+ seconds?$/);
  sql("UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE email = 'late@example.org'");
  const expired = await p.goto(lateLink);
  expect(expired?.status()).toBe(410);
  await enhanced(p);
  await expect(p.getByRole('heading', { name: 'This invitation has expired' })).toBeVisible();
  await expectAccessible(p);
  await screenshots(p, 'link-expired');
  await p.getByLabel('Email address').fill('late@example.org');
  await p.getByRole('button', { name: 'Request a new invitation' }).click();
  await expect(p.getByText(/has been asked to send a new one/)).toBeVisible();

  const unknown = await p.goto(`/register?token=${'0'.repeat(64)}&org=00000000-0000-0000-0000-000000000000`);
  expect(unknown?.status()).toBe(404);
  await expect(p.getByRole('heading', { name: 'Invitation not found' })).toBeVisible();
  await expectAccessible(p);
  await screenshots(p, 'link-unknown');
  await visitor.close();

  // The inviter was told, and can resend from the list.
  await page.reload();
  await hydrated(page);
  const lateRow = page.getByRole('row', { name: /late@example\.org/ });
  await expect(lateRow.getByText('Expired', { exact: true })).toBeVisible();
  await lateRow.getByRole('button', { name: /Resend/ }).click();
  await expect(page.getByRole('status').filter({ hasText: 'A new invitation link was sent to late@example.org.' })).toBeVisible();
  await expect(page.getByRole('row', { name: /late@example\.org/ }).getByText('Pending', { exact: true })).toBeVisible();
});

test('a platform admin creates a company whose invited owner manages its invitations', async ({ page, browser }) => {
  await signIn(page, 'admin@localhost', ADMIN_PASSWORD);
  await hydrated(page);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Organisations' }).click();
  await expect(page.getByRole('heading', { name: 'Organisations' })).toBeVisible();
  await hydrated(page);
  await page.getByRole('button', { name: 'New organisation' }).click();
  const dialog = page.getByRole('dialog', { name: 'New organisation' });
  await expect(dialog.getByLabel('Name')).toBeFocused();
  await dialog.getByLabel('Name').fill('Acme Ltd');
  await expect(dialog.getByLabel('Kind')).toHaveValue('company');
  await expectAccessible(page);
  await dialog.getByRole('button', { name: 'Create organisation' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Acme Ltd was created.' })).toBeVisible();
  await expect(page.getByRole('row', { name: /Acme Ltd/ })).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, 'organisations');

  await page.goto('/admin/invitations');
  await hydrated(page);
  await page.getByRole('button', { name: 'Invite Member' }).click();
  const inviteDialog = page.getByRole('dialog', { name: 'Invite Member' });
  await inviteDialog.getByLabel('Organisation').selectOption({ label: 'Acme Ltd (Company)' });
  await inviteDialog.getByLabel('Email address').fill('owner@acme.example');
  await inviteDialog.getByLabel('First name').fill('Olu');
  await inviteDialog.getByLabel('Last name').fill('Owner');
  await inviteDialog.getByLabel('Role').selectOption({ label: 'Owner' });
  await inviteDialog.getByRole('button', { name: 'Send Invitation' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Invitation sent to owner@acme.example.' })).toBeVisible();
  await expect(page.getByRole('row', { name: /owner@acme\.example/ }).getByText('Acme Ltd')).toBeVisible();

  const ownerContext = await browser.newContext();
  const p = await ownerContext.newPage();
  await p.goto(await linkFromMailbox(p, 'owner@acme.example'));
  await enhanced(p);
  await expect(p.getByRole('heading', { name: 'Join Acme Ltd' })).toBeVisible();
  await p.getByLabel('Password', { exact: true }).fill(MEMBER_PASSWORD);
  await p.getByLabel('Confirm password').fill(MEMBER_PASSWORD);
  await p.getByRole('button', { name: 'Complete Registration' }).click();
  await expect(p).toHaveURL(/\/company$/);
  await expect(p.getByRole('heading', { name: 'Welcome, Olu' })).toBeVisible();
  await hydrated(p);
  await expectAccessible(p);
  await screenshots(p, 'company-dashboard');
  await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Member Invitations' }).click();
  await expect(p).toHaveURL(/\/company\/manage-invitations$/);
  await hydrated(p);
  await invite(p, 'staff@acme.example', 'Sam', 'Staff');
  await expect(p.getByRole('row', { name: /staff@acme\.example/ }).getByText('Pending', { exact: true })).toBeVisible();
  // A company owner sees only their own company's invitations.
  await expect(p.getByRole('row', { name: /member@example\.org/ })).toHaveCount(0);
  await expectAccessible(p);
  await ownerContext.close();
});
