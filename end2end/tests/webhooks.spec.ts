import { test, expect } from '@playwright/test';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expectAccessible, hydrated, screenshots, seedPerson, signIn, sql } from './helpers';

// An integration manager adds a webhook endpoint to an approved partner, sends test events and
// reads the delivery log; the receiver goes down, five failures disable the endpoint and turn
// the partner Degraded; once the receiver is back, "Re-enable" brings it back. Rotating the
// signing secret shows the new one once. The receiver is a Node server on loopback (the server
// runs with GATEHOUSE_WEBHOOK_ALLOW_HOSTS=127.0.0.1).
test.describe.configure({ mode: 'serial' });

const ORG = '7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c03';
const MANAGER = { id: '8b9c0d1e-2f3a-4b4c-9d5e-6f7a8b9c0d14', email: 'integrations@webhooks.example' };
const PROVIDER = '9c0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e25';
const PARTNER = '0d1e2f3a-4b5c-4d6e-9f7a-8b9c0d1e2f36';

let status = 200;
const received: string[] = [];
let server: http.Server;
let port = 0;

test.beforeAll(async () => {
  seedPerson({ orgId: ORG, orgName: 'Webhook Works', kind: 'company', userId: MANAGER.id, email: MANAGER.email,
               firstName: 'Wendy', lastName: 'Hook', role: 'integration_manager' });
  sql(`INSERT INTO integration_providers (id, name, description, environments, security_policy_url, runbook_url, escalation_email)
       VALUES ('${PROVIDER}', 'Hook Payments', 'Payment events', ARRAY['sandbox'], 'https://hooks.example/security',
               'https://hooks.example/runbook', 'oncall@hooks.example') ON CONFLICT DO NOTHING`);
  sql(`INSERT INTO partners (id, organisation_id, name, legal_basis, agreement_document_id, provider_id, environment,
                             contacts, scopes, status, created_by, client_id, client_secret_hash, credentials_issued_at)
       VALUES ('${PARTNER}', '${ORG}', 'Tidewater Bank', 'Contract', 'DSA-9', '${PROVIDER}', 'sandbox',
               '[{"name":"Tia Lead","email":"tia@tidewater.example"}]', ARRAY['partner:ping'], 'approved', '${MANAGER.id}',
               'gh_e2e_webhooks', decode(repeat('ab', 32), 'hex'), now()) ON CONFLICT DO NOTHING`);
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push(`${req.headers['webhook-id']} ${body}`);
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status === 200 ? 'thanks' : 'receiver is down');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

test.afterAll(() => server.close());

test('an endpoint is added, tested, disabled after failures and re-enabled', async ({ page }) => {
  await signIn(page, MANAGER.email, /\/integrations|\/home|\/company/);
  await page.goto(`/integrations/partners/${PARTNER}`);
  await hydrated(page);
  const section = page.getByRole('region', { name: 'Webhooks' });
  await expect(section.getByText('Healthy')).toBeVisible();
  await expect(section.getByText('No webhook endpoints yet.')).toBeVisible();
  // invitation.* needs a scope this partner was not granted.
  await expect(section.getByRole('checkbox', { name: /invitation\.created/ })).toBeDisabled();

  // A private address is refused beside the field. (Retried: the section hydrates after the
  // page, and a value typed before that would be reset.)
  await expect(async () => {
    await section.getByLabel('Endpoint URL').fill('https://10.0.0.1/hooks');
    await section.getByRole('checkbox', { name: /partner\.suspended/ }).check();
    await section.getByRole('button', { name: 'Add endpoint' }).click();
    await expect(section.getByText(/not reachable from the internet/)).toBeVisible({ timeout: 2_000 });
  }).toPass();

  await section.getByLabel('Endpoint URL').fill(`http://127.0.0.1:${port}/gatehouse`);
  await section.getByLabel('Description').fill('Tidewater receiver');
  await section.getByRole('button', { name: 'Add endpoint' }).click();
  await expect(section.getByRole('textbox', { name: 'Signing secret' })).toHaveValue(/^whsec_/);

  // A field mapping with its live preview.
  const mapping = page.getByRole('region', { name: 'Field mapping' });
  const after = mapping.getByLabel('Data after the mapping');
  // The first preview comes with the page; each change then previews again, and only the
  // answer to the latest change is shown.
  await expect(after).toContainText('"status": "activated"');
  await mapping.getByLabel('Field', { exact: true }).selectOption('status');
  await mapping.getByLabel('New name').fill('state');
  await mapping.getByRole('button', { name: 'Add rule' }).click();
  await mapping.getByLabel('Operation').selectOption('constant');
  await mapping.getByLabel('Field name', { exact: true }).fill('source');
  await mapping.getByLabel('Value', { exact: true }).fill('gatehouse');
  await mapping.getByRole('button', { name: 'Add rule' }).click();
  await expect(mapping.getByRole('list', { name: 'Mapping rules' }).getByRole('listitem')).toHaveCount(2);
  await expect(after).toContainText('"state": "activated"');
  await expect(after).toContainText('"source": "gatehouse"');
  await expect(mapping.getByLabel('Data before the mapping')).toContainText('"status"');
  await mapping.getByRole('button', { name: 'Save mapping' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Mapping version 1 saved.' })).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, 'webhooks-partner');

  await section.getByRole('link', { name: `http://127.0.0.1:${port}/gatehouse` }).click();
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Webhook endpoint', level: 1 })).toBeVisible();
  await page.getByRole('button', { name: 'Send test event' }).click();
  await expect(page.getByText(/Test event sent\. The endpoint answered HTTP 200/)).toBeVisible();
  const log = page.getByRole('table', { name: 'Delivery attempts, newest first' });
  await expect(log.getByRole('row')).toHaveCount(2);
  await expect(log.getByRole('cell', { name: 'webhook.test' })).toBeVisible();
  expect(received.length).toBe(1);

  // The receiver goes down: five failed deliveries disable the endpoint.
  status = 503;
  for (let i = 1; i <= 5; i++) {
    await page.getByRole('button', { name: 'Send test event' }).click();
    await expect(log.getByRole('row')).toHaveCount(2 + i);
  }
  await expect(page.getByText('Disabled', { exact: true })).toBeVisible();
  await expect(page.getByText(/5 deliveries in a row failed/)).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, 'webhooks-endpoint-disabled');

  await page.getByRole('link', { name: 'Tidewater Bank' }).click();
  await hydrated(page);
  await expect(page.getByRole('region', { name: 'Webhooks' }).getByText('Degraded', { exact: true })).toBeVisible();
  await page.goBack();
  await hydrated(page);

  // Re-enabling sends a test event first.
  await page.getByRole('button', { name: 'Re-enable' }).click();
  await expect(page.getByText(/Still disabled: the test event did not succeed/)).toBeVisible();
  status = 200;
  await page.getByRole('button', { name: 'Re-enable' }).click();
  await expect(page.getByText(/Endpoint re-enabled\. The endpoint answered HTTP 200/)).toBeVisible();
  await expect(page.getByText('Enabled', { exact: true })).toBeVisible();

  // Replaying a message sends it again with the same id.
  const before = received.length;
  await log.getByRole('button', { name: /^Replay message msg_/ }).first().click();
  await expect(page.getByRole('status').filter({ hasText: 'The message is queued again with the same id.' })).toBeVisible();
  await expect.poll(() => received.length, { timeout: 10_000 }).toBeGreaterThan(before);

  // A new signing secret, shown once.
  await page.getByRole('button', { name: 'Rotate secret' }).click();
  await expect(page.getByRole('textbox', { name: 'Signing secret' })).toHaveValue(/^whsec_/);
  await expect(page.getByText(/The previous secret also signs every message until/)).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, 'webhooks-endpoint');
});
