// Verifies one Standard Webhooks message with the official `standardwebhooks` library, as a
// partner's receiver would. Reads {"secret", "headers", "body"} as JSON on stdin; exits 0 when
// the signature verifies (and prints the parsed payload), 1 otherwise. Used by the Rust
// integration tests (tests/api/webhooks.rs).
import { Webhook } from 'standardwebhooks';

let input = '';
for await (const chunk of process.stdin) input += chunk;
const { secret, headers, body } = JSON.parse(input);
try {
  const payload = new Webhook(secret).verify(body, headers);
  process.stdout.write(JSON.stringify(payload));
} catch (e) {
  process.stderr.write(`verification failed: ${e.message}\n`);
  process.exit(1);
}
