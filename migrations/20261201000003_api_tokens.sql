-- API tokens: bearer credentials an organisation's admins make for its machines, to call the
-- REST API under /api/invitations with a role no higher than their own. Only the SHA-256 of a
-- token is stored; it is shown once. A token works while it is neither revoked nor expired
-- and its creator is still a member of the organisation.
CREATE TABLE api_tokens (
    id               uuid PRIMARY KEY,
    organisation_id  uuid NOT NULL REFERENCES organisations (id),
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    role             text NOT NULL CHECK (length(role) BETWEEN 1 AND 32),
    token_hash       bytea NOT NULL CHECK (octet_length(token_hash) = 32),
    created_by       uuid NOT NULL REFERENCES users (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL,
    last_used_at     timestamptz,
    revoked_at       timestamptz,
    CONSTRAINT api_tokens_token_hash_key UNIQUE (token_hash),
    CONSTRAINT api_tokens_expiry CHECK (expires_at > created_at)
);
CREATE INDEX api_tokens_organisation ON api_tokens (organisation_id, created_at DESC);

-- Tokens are audit subjects (created, revoked) and actors (what a machine did with one).
ALTER TABLE audit_events DROP CONSTRAINT audit_events_subject_type_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_subject_type_check CHECK (
    subject_type IN ('invitation', 'invite_code', 'partner', 'credential_invitation', 'api_token'));
ALTER TABLE audit_events DROP CONSTRAINT audit_events_actor_kind_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_actor_kind_check CHECK (
    actor_kind IN ('user', 'partner_client', 'system', 'anonymous', 'api_token'));
ALTER TABLE audit_events ADD COLUMN actor_api_token_id uuid REFERENCES api_tokens (id);
ALTER TABLE audit_events DROP CONSTRAINT audit_events_actor;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_actor CHECK (
    (actor_kind = 'user') = (actor_user_id IS NOT NULL)
    AND (actor_kind = 'partner_client') = (actor_partner_id IS NOT NULL)
    AND (actor_kind = 'api_token') = (actor_api_token_id IS NOT NULL));

-- Idempotency-Key on the REST API's POSTs: the first response is kept for 24 hours and
-- replayed for a retry of the same request by the same caller, instead of acting twice.
CREATE TABLE idempotency_keys (
    -- 'user:<uuid>' or 'token:<uuid>': keys are per caller.
    principal      text NOT NULL,
    key            text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    -- SHA-256 of method, path and body: the same key with another request is refused.
    request_hash   bytea NOT NULL CHECK (octet_length(request_hash) = 32),
    -- NULL while the first request is still being answered.
    status         smallint,
    response_body  text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (principal, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
