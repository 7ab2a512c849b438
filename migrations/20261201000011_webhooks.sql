-- Partner webhooks (issue 10; spec 001 UC-105, LOG-01). Integration managers add endpoints to
-- a partner; each has its own signing secret (sealed at rest under the encryption keys, bound
-- to its row; a rotated one keeps signing until its overlap ends). Events are queued as one
-- message per subscribed endpoint in the transaction of the change they report; workers
-- claim due messages with FOR UPDATE SKIP LOCKED under a lease, one in flight per endpoint,
-- and record every attempt. After N consecutive failures (or a 410) an endpoint is disabled
-- and its partner marked degraded until someone re-enables it.

CREATE TABLE webhook_endpoints (
    id                         uuid PRIMARY KEY,
    organisation_id            uuid NOT NULL REFERENCES organisations (id),
    partner_id                 uuid NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    url                        text NOT NULL CHECK (length(url) BETWEEN 8 AND 2048),
    description                text NOT NULL DEFAULT '' CHECK (length(description) <= 200),
    event_types                text[] NOT NULL CHECK (cardinality(event_types) >= 1),
    secret_key_id              text NOT NULL,
    secret_nonce               bytea NOT NULL,
    secret_ciphertext          bytea NOT NULL,
    secret_created_at          timestamptz NOT NULL DEFAULT now(),
    previous_secret_key_id     text,
    previous_secret_nonce      bytea,
    previous_secret_ciphertext bytea,
    previous_secret_expires_at timestamptz,
    enabled                    boolean NOT NULL DEFAULT true,
    disabled_at                timestamptz,
    disabled_reason            text,
    consecutive_failures       integer NOT NULL DEFAULT 0,
    last_success_at            timestamptz,
    created_by                 uuid REFERENCES users (id),
    created_at                 timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_endpoints_partner ON webhook_endpoints (partner_id, created_at);

CREATE TABLE webhook_messages (
    id               uuid PRIMARY KEY,
    endpoint_id      uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_type       text NOT NULL,
    -- The whole body as sent, {"type", "timestamp", "data"}: the same bytes on every retry.
    body             text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    status           text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    locked_until     timestamptz,
    lease_id         uuid,
    delivered_at     timestamptz
);
CREATE INDEX webhook_messages_due ON webhook_messages (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_messages_endpoint ON webhook_messages (endpoint_id, created_at DESC);

CREATE TABLE webhook_attempts (
    id                bigserial PRIMARY KEY,
    message_id        uuid NOT NULL REFERENCES webhook_messages (id) ON DELETE CASCADE,
    endpoint_id       uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    attempted_at      timestamptz NOT NULL DEFAULT now(),
    status_code       integer,
    duration_ms       integer NOT NULL,
    error             text,
    -- The first 1 KB of the answer.
    response_excerpt  text
);
CREATE INDEX webhook_attempts_endpoint ON webhook_attempts (endpoint_id, id DESC);

-- "Degraded": an endpoint of the partner was disabled after failures; cleared on re-enable.
ALTER TABLE partners ADD COLUMN webhook_degraded_at timestamptz;

ALTER TABLE audit_events DROP CONSTRAINT audit_events_subject_type_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_subject_type_check CHECK (
    subject_type IN ('invitation', 'invite_code', 'partner', 'credential_invitation', 'api_token',
                     'organisation', 'webhook_endpoint'));
