-- Partner onboarding: the provider registry, partners with least-privilege scopes and an
-- approval workflow, OAuth 2.0 client credentials and access tokens, the partner audit trail,
-- credential invitations (secrets encrypted at rest) and their analytics events.

CREATE TABLE integration_providers (
    id                   uuid PRIMARY KEY,
    name                 text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    description          text NOT NULL DEFAULT '' CHECK (length(description) <= 1000),
    environments         text[] NOT NULL
                         CHECK (cardinality(environments) >= 1
                                AND environments <@ ARRAY['sandbox', 'production']),
    security_policy_url  text CHECK (length(security_policy_url) <= 500),
    runbook_url          text CHECK (length(runbook_url) <= 500),
    escalation_email     citext,
    min_key_length       integer NOT NULL DEFAULT 32 CHECK (min_key_length BETWEEN 16 AND 512),
    min_entropy_bits     integer NOT NULL DEFAULT 128 CHECK (min_entropy_bits BETWEEN 64 AND 1024),
    rotation_days        integer NOT NULL DEFAULT 90 CHECK (rotation_days BETWEEN 1 AND 730),
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT integration_providers_name_key UNIQUE (name)
);

CREATE TABLE partners (
    id                           uuid PRIMARY KEY,
    -- The tenant (association or company) the partner connects to.
    organisation_id              uuid NOT NULL REFERENCES organisations (id),
    name                         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    legal_basis                  text NOT NULL CHECK (length(legal_basis) BETWEEN 1 AND 500),
    agreement_document_id        text NOT NULL CHECK (length(agreement_document_id) BETWEEN 1 AND 100),
    provider_id                  uuid NOT NULL REFERENCES integration_providers (id),
    environment                  text NOT NULL CHECK (environment IN ('sandbox', 'production')),
    -- [{"name": "...", "email": "..."}], at least one.
    contacts                     jsonb NOT NULL CHECK (jsonb_typeof(contacts) = 'array'),
    scopes                       text[] NOT NULL DEFAULT '{}',
    status                       text NOT NULL DEFAULT 'draft'
                                 CHECK (status IN ('draft', 'pending_approval', 'approved', 'rejected',
                                                   'active', 'suspended', 'decommissioned')),
    created_by                   uuid NOT NULL REFERENCES users (id),
    created_at                   timestamptz NOT NULL DEFAULT now(),
    submitted_by                 uuid REFERENCES users (id),
    submitted_at                 timestamptz,
    decided_by                   uuid REFERENCES users (id),
    decided_at                   timestamptz,
    approval_policy_document_id  text,
    rejection_reason             text,
    -- OAuth 2.0 client credentials (RFC 6749 section 2.3.1). The secret is 32 random bytes,
    -- so SHA-256 of it is enough; the secret itself is shown once and never stored.
    client_id                    text,
    client_secret_hash           bytea CHECK (octet_length(client_secret_hash) = 32),
    credentials_issued_at        timestamptz,
    activated_at                 timestamptz,
    last_successful_sync_at      timestamptz,
    decommissioned_at            timestamptz,
    CONSTRAINT partners_client_id_key UNIQUE (client_id),
    CONSTRAINT partners_name_per_tenant UNIQUE (organisation_id, name)
);
CREATE INDEX partners_org ON partners (organisation_id, created_at DESC);

-- Opaque bearer tokens (RFC 6750), stored as SHA-256.
CREATE TABLE partner_access_tokens (
    token_hash  bytea PRIMARY KEY CHECK (octet_length(token_hash) = 32),
    partner_id  uuid NOT NULL REFERENCES partners (id),
    scopes      text[] NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);
CREATE INDEX partner_access_tokens_partner ON partner_access_tokens (partner_id);

CREATE TABLE partner_audit_events (
    id               bigserial PRIMARY KEY,
    partner_id       uuid NOT NULL REFERENCES partners (id),
    organisation_id  uuid NOT NULL REFERENCES organisations (id),
    action           text NOT NULL CHECK (length(action) BETWEEN 1 AND 64),
    -- 'user' (actor_user_id set), 'partner' (the partner's client), 'invitee' (the tech lead
    -- on the public credential page) or 'system'.
    actor_kind       text NOT NULL CHECK (actor_kind IN ('user', 'partner', 'invitee', 'system')),
    actor_user_id    uuid REFERENCES users (id),
    occurred_at      timestamptz NOT NULL DEFAULT now(),
    ip               inet,
    user_agent       text,
    request_id       text,
    detail           jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX partner_audit_events_partner ON partner_audit_events (partner_id, id);
CREATE INDEX partner_audit_events_action ON partner_audit_events (action);
CREATE TRIGGER partner_audit_events_append_only
    BEFORE UPDATE OR DELETE ON partner_audit_events
    FOR EACH ROW EXECUTE FUNCTION gatehouse_forbid_audit_change();

-- Member invitations a partner created through the API.
ALTER TABLE invitations ADD COLUMN partner_id uuid REFERENCES partners (id);

CREATE TABLE credential_invitations (
    id                  uuid PRIMARY KEY,
    partner_id          uuid NOT NULL REFERENCES partners (id),
    provider_id         uuid NOT NULL REFERENCES integration_providers (id),
    environment         text NOT NULL CHECK (environment IN ('sandbox', 'production')),
    recipient_email     citext NOT NULL,
    token_hash          bytea NOT NULL CHECK (octet_length(token_hash) = 32),
    status              text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'revoked')),
    expires_at          timestamptz NOT NULL,
    created_by          uuid NOT NULL REFERENCES users (id),
    created_at          timestamptz NOT NULL DEFAULT now(),
    -- The creation context, replayed in the audit payload of a refresh.
    created_ip          inet,
    created_user_agent  text,
    created_request_id  text,
    first_viewed_at     timestamptz,
    refresh_count       integer NOT NULL DEFAULT 0,
    revoked_at          timestamptz,
    accepted_at         timestamptz,
    -- What the partner submitted: the key ID in clear, the secret only AES-256-GCM encrypted
    -- (associated data: partner id and field name), with the id of the key that sealed it.
    api_key_id          text,
    secret_ciphertext   bytea,
    secret_nonce        bytea CHECK (octet_length(secret_nonce) = 12),
    secret_key_id       text,
    rotation_days       integer,
    rotation_due_at     timestamptz,
    CONSTRAINT credential_invitations_token_hash_key UNIQUE (token_hash),
    CONSTRAINT credential_invitations_accepted_has_secret
        CHECK (status <> 'accepted' OR (secret_ciphertext IS NOT NULL AND rotation_due_at IS NOT NULL))
);
CREATE INDEX credential_invitations_partner ON credential_invitations (partner_id, created_at DESC);

CREATE TABLE integration_invite_events (
    id                        bigserial PRIMARY KEY,
    credential_invitation_id  uuid NOT NULL REFERENCES credential_invitations (id),
    event                     text NOT NULL CHECK (event IN
                              ('viewed', 'submit_rejected', 'submitted', 'accepted', 'refreshed', 'expired')),
    reason_code               text,
    provider_id               uuid NOT NULL REFERENCES integration_providers (id),
    environment               text NOT NULL,
    -- Milliseconds from the first view to this submit (submit events only).
    elapsed_ms                bigint,
    occurred_at               timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX integration_invite_events_invitation ON integration_invite_events (credential_invitation_id, id);
