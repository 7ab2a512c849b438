-- Bulk-import jobs walk their rows with a cursor instead of a partial index on the rows still
-- to write. Without that index, recording a row's outcome changes no indexed column, so with
-- room left on each page (fillfactor 50) the update is a heap-only tuple (HOT) update that
-- touches no index: the largest per-row cost of a chunk after the invitations themselves
-- (measured in docs/PERFORMANCE.md, B1).
DROP INDEX bulk_import_rows_todo;
ALTER TABLE bulk_import_rows SET (fillfactor = 50);
-- The first row number the job has not reached yet; rows before it all have an outcome.
ALTER TABLE bulk_imports ADD COLUMN next_row_no integer NOT NULL DEFAULT 1;
