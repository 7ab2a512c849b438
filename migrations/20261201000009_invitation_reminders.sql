-- Expiry reminders (spec 002: 24 hours before expiry). The token is stored only hashed, so
-- the reminder's link comes from a copy sealed with AES-256-GCM at creation (associated data
-- `invitation:<id>:reminder`), kept only until the reminder is sent or the invitation is no
-- longer pending, like an unsent outbox body. Link-only invitations keep none.
ALTER TABLE invitations
    ADD COLUMN reminder_key_id text,
    ADD COLUMN reminder_nonce bytea CHECK (octet_length(reminder_nonce) = 12),
    ADD COLUMN reminder_ciphertext bytea,
    ADD COLUMN reminded_at timestamptz;
-- Organisations can switch reminders off.
ALTER TABLE organisations ADD COLUMN expiry_reminders boolean NOT NULL DEFAULT true;
