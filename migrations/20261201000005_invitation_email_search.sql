-- Email search in the invitation list ("part of an email address", ILIKE '%…%') stays fast
-- at hundreds of thousands of invitations: a trigram index on the address as text (pg_trgm,
-- a trusted extension: the database owner may create it).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX invitations_email_trgm ON invitations USING gin ((email::text) gin_trgm_ops);
