-- A bulk import's rows are stored as one document on the job instead of a table row each:
-- storing 10,000 rows, reading them back in pages and recording each row's outcome were
-- three statements of 10,000 rows on the import's critical path (docs/PERFORMANCE.md, B1).
--
-- `rows` is a JSON array (src/invitations/repo/bulk.rs, `StoredRow`), one array per file row:
-- [row_no, email, first_name, last_name, role, designation, department, lifetime_hours,
--  outcome, invitation_id, error]; `outcome` is set only for rows decided when the job was
-- stored (skipped, with the reason). The rows without one are written in chunks of
-- `chunk_rows`, numbered from 0 in file order; `chunks_done` lists the chunks committed, each
-- in the same transaction as its invitations. A row's outcome is then read off its chunk and
-- the invitation the job made for its email. Stored uncompressed (random tokens aside, the
-- document is small next to the rows it replaces, and compressing it only costs CPU).
ALTER TABLE bulk_imports
    ADD COLUMN rows        bytea,
    ADD COLUMN chunk_rows  integer NOT NULL DEFAULT 1000 CHECK (chunk_rows > 0),
    ADD COLUMN chunks_done integer[] NOT NULL DEFAULT '{}';
ALTER TABLE bulk_imports ALTER COLUMN rows SET STORAGE EXTERNAL;

-- Jobs stored before: their rows, with every outcome already recorded, become the document.
UPDATE bulk_imports b
   SET rows = convert_to((
         SELECT jsonb_agg(jsonb_build_array(r.row_no, r.email::text, r.first_name, r.last_name,
                                            r.role, r.designation, r.department,
                                            r.lifetime_hours, r.outcome, r.invitation_id,
                                            r.error)
                          ORDER BY r.row_no)
           FROM bulk_import_rows r WHERE r.import_id = b.id)::text, 'UTF8');
UPDATE bulk_imports SET rows = convert_to('[]', 'UTF8') WHERE rows IS NULL;
ALTER TABLE bulk_imports ALTER COLUMN rows SET NOT NULL;

DROP TABLE bulk_import_rows;
ALTER TABLE bulk_imports DROP COLUMN next_row_no;
