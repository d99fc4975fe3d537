-- OrleansBreaker schema, version 7, on top of 006: an index for the claims a crash left unresolved.
--
-- A send claims its idempotency key right before LinkedIn is called: a row of kind 'Claimed' under the
-- unique key of 002 (IEventLog.ClaimAsync), replaced by its outcome or removed when LinkedIn did not
-- perform it. A claim still there when the account activates was interrupted by a crash; the account
-- reads those (IEventLog.ReadClaimsAsync) through this index, so an activation never reads the
-- account's history. Rows are few: one per send in flight. No table changes.
--
-- Safe to apply again (IF NOT EXISTS; the version only ever moves up). Apply after 006, in one
-- transaction:
--   psql -v ON_ERROR_STOP=1 --single-transaction -f 007_claims_index.sql

-- Queue behind any other apply (001 to 006 take the same lock).
DO $$ BEGIN PERFORM pg_advisory_xact_lock(7301001); END $$;

CREATE INDEX IF NOT EXISTS ix_breaker_events_claims
    ON breaker_events (workspace_id, account_id, seq)
    WHERE kind = 'Claimed';

-- The version goes last, so a failed apply leaves the old version in place. It never moves down.
UPDATE breaker_schema_version SET version = 7 WHERE version < 7;
