-- OrleansBreaker schema, version 6, on top of 005: an index for an account's breaker trips and clears.
--
-- The dashboard's 14-day account chart marks each trip and clear of the account's breakers
-- (IEventLog.ReadBreakerMarksSinceAsync). Without this index the query would read every event of the
-- account in the window; with it, only those few rows. No table changes, so earlier builds keep working
-- on this schema, and a silo needs only version 3 (PostgresSchema.ExpectedVersion) to run; without the
-- index the chart is slower, not wrong.
--
-- Safe to apply again (IF NOT EXISTS; the version only ever moves up). Apply after 005, in one
-- transaction:
--   psql -v ON_ERROR_STOP=1 --single-transaction -f 006_breaker_marks_index.sql

-- Queue behind any other apply (001 to 005 take the same lock).
DO $$ BEGIN PERFORM pg_advisory_xact_lock(7301001); END $$;

CREATE INDEX IF NOT EXISTS ix_breaker_events_account_breaker
    ON breaker_events (workspace_id, account_id, at)
    INCLUDE (kind, action)
    WHERE kind IN ('BreakerTripped', 'BreakerCleared');

-- The version goes last, so a failed apply leaves the old version in place. It never moves down.
UPDATE breaker_schema_version SET version = 6 WHERE version < 6;
