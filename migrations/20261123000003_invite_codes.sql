-- Invite codes: cooperatives, members who sign in with an Ed25519 key instead of a password,
-- the codes themselves (looked up by HMAC, kept encrypted for reveal), their audit trail and
-- the single-use challenges that prove possession of a key.

ALTER TABLE organisations DROP CONSTRAINT organisations_kind_check;
ALTER TABLE organisations ADD CONSTRAINT organisations_kind_check
    CHECK (kind IN ('platform', 'association', 'company', 'cooperative'));

-- A member who joined with a code has a key and a did:key, and no email or password.
ALTER TABLE users ALTER COLUMN email DROP NOT NULL;
ALTER TABLE users ALTER COLUMN password_hash DROP NOT NULL;
ALTER TABLE users ADD COLUMN public_key bytea CHECK (octet_length(public_key) = 32);
ALTER TABLE users ADD COLUMN did text CHECK (did LIKE 'did:key:z6Mk%' AND length(did) <= 64);
ALTER TABLE users ADD CONSTRAINT users_public_key_key UNIQUE (public_key);
ALTER TABLE users ADD CONSTRAINT users_did_key UNIQUE (did);
ALTER TABLE users ADD CONSTRAINT users_can_sign_in
    CHECK (password_hash IS NOT NULL OR public_key IS NOT NULL);
ALTER TABLE users ADD CONSTRAINT users_identified
    CHECK (email IS NOT NULL OR did IS NOT NULL);
ALTER TABLE users ADD CONSTRAINT users_key_has_did
    CHECK ((public_key IS NULL) = (did IS NULL));

CREATE TABLE invite_codes (
    id               uuid PRIMARY KEY,
    organisation_id  uuid NOT NULL REFERENCES organisations (id),
    -- HMAC-SHA256(server key, canonical code): the lookup key. The code itself is 60 bits,
    -- too few for a bare hash to hide it.
    code_hmac        bytea NOT NULL CHECK (octet_length(code_hmac) = 32),
    -- AES-256-GCM copy of the code, only so an admin can reveal it again (associated data:
    -- the row id). key_id names the encryption key, so keys can be rotated.
    code_ciphertext  bytea NOT NULL,
    code_nonce       bytea NOT NULL CHECK (octet_length(code_nonce) = 12),
    key_id           text NOT NULL,
    role             text NOT NULL CHECK (length(role) BETWEEN 1 AND 32),
    max_uses         integer NOT NULL CHECK (max_uses BETWEEN 1 AND 500),
    used_count       integer NOT NULL DEFAULT 0,
    note             text CHECK (length(note) <= 200),
    -- Codes made together share a batch id.
    batch_id         uuid,
    created_by       uuid NOT NULL REFERENCES users (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL,
    revoked_at       timestamptz,
    revoked_by       uuid REFERENCES users (id),
    CONSTRAINT invite_codes_code_hmac_key UNIQUE (code_hmac),
    CONSTRAINT invite_codes_uses_within_limit CHECK (used_count BETWEEN 0 AND max_uses),
    CONSTRAINT invite_codes_expiry_at_most_30_days
        CHECK (expires_at <= created_at + interval '30 days')
);
CREATE INDEX invite_codes_org_newest ON invite_codes (organisation_id, created_at DESC, id DESC);

CREATE TABLE invite_code_audit_events (
    id              bigserial PRIMARY KEY,
    invite_code_id  uuid NOT NULL REFERENCES invite_codes (id),
    -- Denormalised so per-organisation counts (metrics) need no join.
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    action          text NOT NULL CHECK (action IN ('created', 'revealed', 'redeemed', 'revoked')),
    -- NULL actor = an anonymous person redeeming; the new user is in detail.
    actor_user_id   uuid REFERENCES users (id),
    occurred_at     timestamptz NOT NULL DEFAULT now(),
    ip              inet,
    user_agent      text,
    detail          jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX invite_code_audit_events_code ON invite_code_audit_events (invite_code_id, id);
CREATE INDEX invite_code_audit_events_action ON invite_code_audit_events (action, organisation_id);
CREATE TRIGGER invite_code_audit_events_append_only
    BEFORE UPDATE OR DELETE ON invite_code_audit_events
    FOR EACH ROW EXECUTE FUNCTION gatehouse_forbid_audit_change();

-- Counting invitation audit events by action (metrics).
CREATE INDEX invitation_audit_events_action ON invitation_audit_events (action);

-- Single-use proof-of-possession challenges (32 random bytes), deleted when answered.
CREATE TABLE key_challenges (
    id          uuid PRIMARY KEY,
    purpose     text NOT NULL CHECK (purpose IN ('join', 'sign_in')),
    challenge   bytea NOT NULL CHECK (octet_length(challenge) = 32),
    expires_at  timestamptz NOT NULL
);
CREATE INDEX key_challenges_expiry ON key_challenges (expires_at);
