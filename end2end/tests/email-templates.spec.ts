import { test, expect } from '@playwright/test';
import { expectAccessible, hydrated, screenshots, seedPerson, signIn } from './helpers';

// A company owner rewrites the invitation email: the live preview follows the draft, a broken
// placeholder is shown beside its field, a test reaches the dev mailbox, the saved version is
// listed, and "Reset to default" brings the built-in email back.
const OWNER_EMAIL = 'owner@templates.example';
const ORG_ID = '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a81';
const OWNER_ID = '6f7a8b9c-0d1e-4f2a-9b3c-4d5e6f7a8b92';
// The preview shows the admin's own email in a sandboxed frame, outside what axe checks here.
const PREVIEW_FRAME = 'iframe[title="HTML preview of the email"]';

test.beforeAll(() => {
  seedPerson({ orgId: ORG_ID, orgName: 'Template Works', kind: 'company', userId: OWNER_ID, email: OWNER_EMAIL,
               firstName: 'Tess', lastName: 'Ellis', role: 'owner' });
});

test('an owner edits the invitation email with its preview, sends a test and resets it', async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, OWNER_EMAIL, /\/company$/);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Email templates' }).click();
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Email templates', level: 1 })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Invitation', exact: true })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByText('Built-in template', { exact: true })).toBeVisible();
  const frame = page.frameLocator(PREVIEW_FRAME);
  await expect(frame.getByRole('link', { name: 'Complete Registration' })).toBeVisible();
  await expectAccessible(page, { exclude: [PREVIEW_FRAME] });

  // The live preview follows the draft.
  const subject = page.getByLabel('Subject');
  await subject.fill('Welcome to {{ organisation }}, {{ invitee_first_name }}');
  await expect(page.getByText('Welcome to Template Works, Ada')).toBeVisible();
  const html = page.getByLabel('HTML body');
  await html.fill('{% extends "layout.html" %}{% block content %}<h1>Hello {{ invitee_first_name }} {{ invitee_last_name }}</h1><p><a href="{{ link }}">Join Template Works</a></p>{% endblock %}');
  await expect(frame.getByRole('heading', { name: 'Hello Ada Lovelace' })).toBeVisible();

  // A placeholder the email does not offer is named beside its field, with its line.
  await page.getByLabel('Text body').fill('Hello {{ nickname }}\n{{ link }}');
  await expect(page.getByText(/Line 1: unknown placeholder \{\{ nickname \}\}/)).toBeVisible();
  await expect(page.getByLabel('Text body')).toHaveAttribute('aria-invalid', 'true');
  await page.getByLabel('Text body').fill('Hello {{ invitee_first_name }},\n\nJoin us: {{ link }}\n');
  await expect(page.getByLabel('Text preview of the email')).toContainText('Join us: http');
  await expect(page.getByLabel('Text body')).not.toHaveAttribute('aria-invalid', 'true');
  await expect(frame.getByRole('heading', { name: 'Hello Ada Lovelace' })).toBeVisible();
  await screenshots(page, 'email-templates');

  await page.getByRole('button', { name: `Send a test to ${OWNER_EMAIL}` }).click();
  await expect(page.getByRole('status').filter({ hasText: `Test email sent to ${OWNER_EMAIL}.` })).toBeVisible();
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Version 1 saved.' })).toBeVisible();
  await expect(page.getByRole('table', { name: 'Saved versions, newest first' }).getByRole('row')).toHaveCount(2);

  // Sender settings.
  await page.getByLabel('Sender name').fill('Template Works People');
  await page.getByLabel('Reply-to address').fill('not an address');
  await page.getByRole('button', { name: 'Save sender' }).click();
  await expect(page.getByLabel('Reply-to address')).toHaveAttribute('aria-invalid', 'true');
  await page.getByLabel('Reply-to address').fill('people@templates.example');
  await page.getByRole('button', { name: 'Save sender' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Sender saved.' })).toBeVisible();

  await page.getByRole('button', { name: 'Reset to default' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'The built-in template is in use again.' })).toBeVisible();
  await expect(page.getByText('Version 2 · built-in template')).toBeVisible();
  await expect(page.getByLabel('Subject')).toHaveValue('Invitation to join {{ organisation }}');

  // The other emails have their own tab.
  await page.getByRole('link', { name: 'Credential invitation' }).click();
  await expect(page.getByRole('heading', { name: 'Credential invitation email' })).toBeVisible();
  await hydrated(page);
  await expectAccessible(page, { exclude: [PREVIEW_FRAME] });
  await screenshots(page, 'email-templates-credential');

  // The test email is in the dev mailbox, from the draft as it was.
  await page.goto('/dev/mailbox');
  await expect(page.getByRole('article', { name: `Email to ${OWNER_EMAIL}: [Test] Welcome to Template Works, Ada` })).toBeVisible();
});
