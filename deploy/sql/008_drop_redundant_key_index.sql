-- OrleansBreaker schema, version 8, on top of 007: drops 001's ix_breaker_events_account_key.
--
-- That index, (workspace_id, account_id, key, seq DESC) WHERE key IS NOT NULL, served the lookup of a
-- key's newest outcome. Since 002 a key has one row per account, and the unique index of 002,
-- ux_breaker_events_account_key (workspace_id, account_id, key) WHERE key IS NOT NULL, answers the
-- same lookups (and is the arbiter of every claim and outcome). Every send writes its row twice (the
-- claim, then the outcome in its place, never a HOT update), so each index on the log costs two entries
-- per send: this one was 2 of 12 for nothing. No table changes; a build before 008 runs on it
-- unchanged (its key lookups use the unique index).
--
-- 001 creates the index only on a database before version 8, so applying every file again leaves
-- it dropped. Safe to apply again (IF EXISTS; the version only ever moves up). Apply after 007, in
-- one transaction:
--   psql -v ON_ERROR_STOP=1 --single-transaction -f 008_drop_redundant_key_index.sql
-- DROP INDEX holds the table for as long as the drop takes (milliseconds: no scan).

-- Queue behind any other apply (001 to 007 take the same lock).
DO $$ BEGIN PERFORM pg_advisory_xact_lock(7301001); END $$;

DROP INDEX IF EXISTS ix_breaker_events_account_key;

-- The version goes last, so a failed apply leaves the old version in place. It never moves down.
UPDATE breaker_schema_version SET version = 8 WHERE version < 8;
