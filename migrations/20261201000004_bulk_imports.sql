-- Bulk invitation imports: a file checked row by row (the dry run writes nothing), then, once
-- confirmed, a background job stored here. Workers on any instance claim a job with
-- FOR UPDATE SKIP LOCKED under a lease and write its rows in chunks, each chunk one
-- transaction that also records every row's outcome, so an import is never half done without
-- a record of which rows made it, and a restarted worker resumes where the last chunk ended.
CREATE TABLE bulk_imports (
    id               uuid PRIMARY KEY,
    organisation_id  uuid NOT NULL REFERENCES organisations (id),
    created_by       uuid NOT NULL REFERENCES users (id),
    -- Set when the import came through the REST API with an API token (the audit actor).
    api_token_id     uuid REFERENCES api_tokens (id),
    status           text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done')),
    total_rows       integer NOT NULL CHECK (total_rows BETWEEN 1 AND 10000),
    processed_rows   integer NOT NULL DEFAULT 0,
    created_rows     integer NOT NULL DEFAULT 0,
    lease_id         uuid,
    locked_until     timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    finished_at      timestamptz
);
CREATE INDEX bulk_imports_unfinished ON bulk_imports (created_at) WHERE status <> 'done';
CREATE INDEX bulk_imports_organisation ON bulk_imports (organisation_id, created_at DESC);

CREATE TABLE bulk_import_rows (
    import_id        uuid NOT NULL REFERENCES bulk_imports (id) ON DELETE CASCADE,
    -- The data row's number in the file, from 1 (the header is row 0).
    row_no           integer NOT NULL,
    email            citext NOT NULL,
    first_name       text NOT NULL,
    last_name        text NOT NULL,
    role             text NOT NULL,
    designation      text,
    department       text,
    lifetime_hours   integer CHECK (lifetime_hours BETWEEN 1 AND 720),
    -- NULL until the job reaches the row; 'skipped' rows say why in `error`.
    outcome          text CHECK (outcome IN ('created', 'skipped')),
    invitation_id    uuid REFERENCES invitations (id),
    error            text,
    PRIMARY KEY (import_id, row_no)
);
CREATE INDEX bulk_import_rows_todo ON bulk_import_rows (import_id, row_no) WHERE outcome IS NULL;

-- Invitations made by an import, for the per-organisation daily bulk quota.
ALTER TABLE invitations ADD COLUMN bulk_import_id uuid REFERENCES bulk_imports (id);
CREATE INDEX invitations_bulk_recent ON invitations (organisation_id, created_at)
    WHERE bulk_import_id IS NOT NULL;

-- The outbox paces sending by counting what left in the last second.
CREATE INDEX email_outbox_sent_recent ON email_outbox (sent_at) WHERE status = 'sent';
