-- Message bodies carry one-time links (registration and credential links). From now on they
-- are kept sealed at rest with AES-256-GCM under GATEHOUSE_ENCRYPTION_KEYS, the message id as
-- associated data (src/email/outbox.rs), and dropped once a message is sent, failed or
-- cancelled. The plaintext columns stay for rows queued before this migration and are
-- written empty from now on.
ALTER TABLE email_outbox
    ADD COLUMN body_key_id              text,
    ADD COLUMN body_nonce               bytea,
    ADD COLUMN body_ciphertext          bytea,
    -- The claim that may record this message's outcome (fencing: a worker whose lease ran
    -- out and was taken over can neither send nor overwrite the newer claim's outcome).
    ADD COLUMN lease_id                 uuid,
    -- Revoking a credential invitation cancels its email that has not left yet.
    ADD COLUMN credential_invitation_id uuid REFERENCES credential_invitations (id),
    ADD CONSTRAINT email_outbox_sealed_whole CHECK (
        (body_key_id IS NULL) = (body_ciphertext IS NULL)
        AND (body_nonce IS NULL) = (body_ciphertext IS NULL));

-- Failed messages kept their bodies until now; nothing sends them again.
UPDATE email_outbox SET text_body = '', html_body = '' WHERE status <> 'queued';

CREATE INDEX email_outbox_credential_invitation ON email_outbox (credential_invitation_id)
    WHERE credential_invitation_id IS NOT NULL;
