-- OrleansBreaker schema, version 2, on top of 001: an outcome's idempotency key is unique per account.
--
-- Why the key is unique. breaker_events.key identifies an event that must be recorded once: a
-- dispatch's final outcome (Sent, Failed, Unknown: the dispatch key, and a dispatch has one final
-- outcome), a campaign's skip of a prospect step for one trip, a prospect's accept or reply, an event
-- posted from outside (the same event posted twice). But an append can commit and still be reported as
-- failed (the connection or the acknowledgement was lost after the commit), and the account grain
-- then keeps the outcome in its outbox and appends it again. Without a unique key the Sent is stored
-- twice and every cap counter that reads the log (ReadDeliveredSinceAsync) counts the delivery twice:
-- the counters drift upward, and the account defers sends it was allowed to make (BRIEF section 2:
-- an outcome is counted once). With the key unique, a re-append stores nothing new: the event log
-- inserts with ON CONFLICT DO NOTHING and answers with the row already stored (PostgresEventLog).
--
-- What it does:
--   * Removes the duplicates an earlier build may have stored: of the rows sharing
--     (workspace_id, account_id, key), the earliest (lowest seq) stays, the later ones go.
--   * Adds the unique index ux_breaker_events_account_key on (workspace_id, account_id, key) WHERE
--     key IS NOT NULL. Events without a key (trips, clears, safety mode) are not affected.
--   * Adds ix_breaker_events_account_prospect: an accept or reply posted without its campaign goes to
--     the campaign whose delivery to that prospect the account made last (FindLatestSentToProspectAsync).
--   * Raises breaker_schema_version to 2.
--
-- Safe to apply again: the clean-up and the index run only while the index does not exist, so a
-- re-apply neither scans the table nor holds it. Apply after 001, in one transaction:
--   psql -v ON_ERROR_STOP=1 --single-transaction -f 002_unique_event_keys.sql
--
-- During a rolling deploy the previous build keeps working on this schema, with one difference: its
-- plain INSERT of a key already stored is now refused (unique violation) instead of stored twice, so
-- such an event stays in that silo's outbox until the silo runs the new build.
--
-- 001's ix_breaker_events_account_key (key, seq DESC) stays: shipped files are not edited, 001 would
-- recreate it on every apply, and dropping it is left to a later file (deploy/sql/README.md).

-- Queue behind any other apply (001 takes the same lock).
DO $$ BEGIN PERFORM pg_advisory_xact_lock(7301001); END $$;

DO $$
BEGIN
    IF to_regclass('ux_breaker_events_account_key') IS NULL THEN
        -- Appends wait (reads go on) until the transaction ends, so no duplicate can slip in between
        -- the clean-up and the index that forbids it.
        LOCK TABLE breaker_events IN SHARE ROW EXCLUSIVE MODE;

        DELETE FROM breaker_events later
        USING breaker_events earlier
        WHERE later.key IS NOT NULL
          AND earlier.key = later.key
          AND earlier.workspace_id = later.workspace_id
          AND earlier.account_id = later.account_id
          AND earlier.seq < later.seq;

        CREATE UNIQUE INDEX ux_breaker_events_account_key
            ON breaker_events (workspace_id, account_id, key)
            WHERE key IS NOT NULL;
    END IF;
END $$;

CREATE INDEX IF NOT EXISTS ix_breaker_events_account_prospect
    ON breaker_events (workspace_id, account_id, prospect_id, seq DESC)
    WHERE kind = 'Sent';

-- ---------------------------------------------------------------------------------------------
-- The version goes last, so a failed apply leaves the old version in place. It never moves down.
-- ---------------------------------------------------------------------------------------------
INSERT INTO breaker_schema_version (version)
SELECT 2
WHERE NOT EXISTS (SELECT 1 FROM breaker_schema_version);

UPDATE breaker_schema_version SET version = 2 WHERE version < 2;
