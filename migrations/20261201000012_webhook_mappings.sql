-- Schema mapping of webhook data (issue 10; spec 001 SchemaMapping): per partner, versioned
-- ordered rules (rename, drop, constant, date format) applied to the data of every message it
-- receives. The newest version is in use; each message records the version it was mapped with.

CREATE TABLE webhook_mappings (
    partner_id  uuid NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    version     integer NOT NULL CHECK (version >= 1),
    rules       jsonb NOT NULL CHECK (jsonb_typeof(rules) = 'array'),
    created_by  uuid REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (partner_id, version)
);

ALTER TABLE webhook_messages ADD COLUMN mapping_version integer;
