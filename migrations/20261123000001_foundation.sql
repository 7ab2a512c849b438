-- Gatehouse foundation: organisations, people, invitations, their audit trail,
-- the email outbox, shared rate-limit buckets and the session store.
-- Forward-only: later changes get their own migration.

CREATE EXTENSION IF NOT EXISTS citext;

CREATE TABLE organisations (
    id          uuid PRIMARY KEY,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind        text NOT NULL CHECK (kind IN ('platform', 'association', 'company')),
    -- A company may belong to an association.
    parent_id   uuid REFERENCES organisations (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT organisations_parent_is_for_companies CHECK (parent_id IS NULL OR kind = 'company')
);
-- There is exactly one platform organisation.
CREATE UNIQUE INDEX organisations_one_platform ON organisations (kind) WHERE kind = 'platform';

CREATE TABLE users (
    id             uuid PRIMARY KEY,
    email          citext NOT NULL,
    first_name     text NOT NULL,
    last_name      text NOT NULL,
    -- Argon2id PHC string ($argon2id$v=19$m=19456,t=2,p=1$...).
    password_hash  text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_email_key UNIQUE (email)
);

CREATE TABLE memberships (
    user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    organisation_id  uuid NOT NULL REFERENCES organisations (id),
    role             text NOT NULL CHECK (length(role) BETWEEN 1 AND 32),
    designation      text,
    department       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, organisation_id)
);
CREATE INDEX memberships_organisation ON memberships (organisation_id);

CREATE TABLE invitations (
    id                uuid PRIMARY KEY,
    organisation_id   uuid NOT NULL REFERENCES organisations (id),
    email             citext NOT NULL,
    first_name        text NOT NULL,
    last_name         text NOT NULL,
    role              text NOT NULL CHECK (length(role) BETWEEN 1 AND 32),
    designation       text,
    department        text,
    -- NULL for the bootstrap admin invitation, which the system itself issues.
    inviter_id        uuid REFERENCES users (id),
    -- SHA-256 of the 32-byte token; the token itself is never stored.
    token_hash        bytea NOT NULL CHECK (octet_length(token_hash) = 32),
    status            text NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'accepted', 'revoked', 'expired')),
    expires_at        timestamptz NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    accepted_at       timestamptz,
    accepted_user_id  uuid REFERENCES users (id),
    revoked_at        timestamptz,
    revoke_reason     text,
    last_sent_at      timestamptz,
    resend_count      integer NOT NULL DEFAULT 0,
    CONSTRAINT invitations_token_hash_key UNIQUE (token_hash)
);
-- One pending invitation per email address and organisation.
CREATE UNIQUE INDEX invitations_one_pending_per_email
    ON invitations (organisation_id, email) WHERE status = 'pending';
-- Keyset pagination, newest first, per organisation and across all of them.
CREATE INDEX invitations_org_newest ON invitations (organisation_id, created_at DESC, id DESC);
CREATE INDEX invitations_newest ON invitations (created_at DESC, id DESC);
CREATE INDEX invitations_pending_expiry ON invitations (expires_at) WHERE status = 'pending';

CREATE TABLE invitation_audit_events (
    id             bigserial PRIMARY KEY,
    invitation_id  uuid NOT NULL REFERENCES invitations (id),
    action         text NOT NULL CHECK (action IN
                   ('created', 'viewed', 'accepted', 'resent', 'revoked', 'expired', 'reissue_requested')),
    -- NULL actor = the system (bootstrap, expiry job) or an anonymous invitee.
    actor_user_id  uuid REFERENCES users (id),
    occurred_at    timestamptz NOT NULL DEFAULT now(),
    ip             inet,
    user_agent     text,
    detail         jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX invitation_audit_events_invitation ON invitation_audit_events (invitation_id, id);

-- The audit trail is append-only.
CREATE FUNCTION gatehouse_forbid_audit_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only';
END;
$$;
CREATE TRIGGER invitation_audit_events_append_only
    BEFORE UPDATE OR DELETE ON invitation_audit_events
    FOR EACH ROW EXECUTE FUNCTION gatehouse_forbid_audit_change();

CREATE TABLE email_outbox (
    id               bigserial PRIMARY KEY,
    recipient        citext NOT NULL,
    subject          text NOT NULL,
    -- Bodies hold the one-time link until delivery; they are blanked once sent or cancelled.
    text_body        text NOT NULL,
    html_body        text NOT NULL,
    invitation_id    uuid REFERENCES invitations (id),
    status           text NOT NULL DEFAULT 'queued'
                     CHECK (status IN ('queued', 'sent', 'failed', 'cancelled')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    locked_until     timestamptz,
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz
);
CREATE INDEX email_outbox_due ON email_outbox (next_attempt_at) WHERE status = 'queued';
CREATE INDEX email_outbox_invitation ON email_outbox (invitation_id, id DESC);

-- Sliding-window rate limits shared by every app instance (see src/rate_limit.rs).
CREATE TABLE rate_limit_events (
    bucket       text NOT NULL,
    occurred_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rate_limit_events_bucket ON rate_limit_events (bucket, occurred_at);

-- tower-sessions-sqlx-store's PostgresStore layout (schema tower_sessions, table session).
CREATE SCHEMA IF NOT EXISTS tower_sessions;
CREATE TABLE IF NOT EXISTS tower_sessions.session (
    id           text PRIMARY KEY NOT NULL,
    data         bytea NOT NULL,
    expiry_date  timestamptz NOT NULL
);
