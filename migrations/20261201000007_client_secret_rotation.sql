-- Client secret rotation (spec 001: every 90 days by default, per provider). A rotation keeps
-- the secret it replaced working until `previous_client_secret_expires_at`, so a partner can
-- deploy the new one without downtime; a second rotation within the overlap retires the
-- oldest at once. `credentials_issued_at` is when the current secret was made.
ALTER TABLE partners
    ADD COLUMN previous_client_secret_hash bytea
        CHECK (octet_length(previous_client_secret_hash) = 32),
    ADD COLUMN previous_client_secret_created_at timestamptz,
    ADD COLUMN previous_client_secret_expires_at timestamptz;
-- Reminders sent for the current secret: 0 none, 1 the 14-day one, 2 the 1-day one. A
-- rotation or a new approval starts again at 0.
ALTER TABLE partners
    ADD COLUMN client_secret_reminders_sent smallint NOT NULL DEFAULT 0
        CHECK (client_secret_reminders_sent BETWEEN 0 AND 2);
