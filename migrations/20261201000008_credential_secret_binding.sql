-- The AES-256-GCM associated data a partner's submitted secret is sealed with. Version 1
-- bound partner and field (`partner:<id>:api_secret`); version 2 binds partner, environment
-- and field (`partner:<id>:<environment>:api_secret`), so a sandbox secret copied into a
-- production row does not decrypt. Rows sealed before keep version 1.
ALTER TABLE credential_invitations
    ADD COLUMN secret_aad_version smallint CHECK (secret_aad_version IN (1, 2));
UPDATE credential_invitations SET secret_aad_version = 1 WHERE secret_ciphertext IS NOT NULL;
ALTER TABLE credential_invitations ADD CONSTRAINT credential_invitations_secret_aad_version
    CHECK ((secret_ciphertext IS NULL) = (secret_aad_version IS NULL));
