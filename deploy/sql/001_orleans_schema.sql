-- OrleansBreaker schema, version 1, for PostgreSQL 15 or newer.
--
-- What is here:
--   * breaker_schema_version: the version the silo checks at start (PostgresSchema.ExpectedVersion).
--   * OrleansQuery and the SQL that Orleans' ADO.NET providers (clustering, reminders, grain
--     persistence; invariant "Npgsql") load from it at start. The packages ship no SQL: this file
--     is our answer to the contract in docs ADONET.md, and Tests/Postgres runs the providers on it.
--   * breaker_events: the append-only event log (BRIEF section 7) and the indexes its readers need.
--
-- Apply with deploy/postgres.sh apply, or: psql -v ON_ERROR_STOP=1 --single-transaction -f <file>.
-- Safe to apply again: tables and indexes are IF NOT EXISTS, functions CREATE OR REPLACE, query
-- rows upserted, and the version only ever moves up.
--
-- Identifiers are unquoted, so PostgreSQL folds them to lower case (OrleansQuery is stored as
-- orleansquery). The providers read result columns by name through Npgsql, whose GetOrdinal falls
-- back to a case-insensitive match, so "version" satisfies a lookup of "Version".

-- Two applies running at once would race on CREATE ... IF NOT EXISTS; queue them instead.
DO $$ BEGIN PERFORM pg_advisory_xact_lock(7301001); END $$;

CREATE TABLE IF NOT EXISTS breaker_schema_version
(
    version int NOT NULL
);

-- ---------------------------------------------------------------------------------------------
-- The query table. Each provider reads its rows once, at start: changing a row needs a restart.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  varchar(64)   NOT NULL PRIMARY KEY,
    QueryText varchar(8000) NOT NULL
);

-- ---------------------------------------------------------------------------------------------
-- Clustering (membership).
-- One version row per deployment (ClusterOptions.ClusterId, passed as @DeploymentId). Every
-- change to the deployment's silo rows is conditional on that version and bumps it: this is the
-- optimistic concurrency the membership protocol relies on.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS OrleansMembershipVersionTable
(
    DeploymentId varchar(150) NOT NULL PRIMARY KEY,
    Version      int          NOT NULL DEFAULT 0,
    ChangedAt    timestamptz  NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS OrleansMembershipTable
(
    DeploymentId varchar(150) NOT NULL REFERENCES OrleansMembershipVersionTable (DeploymentId),
    Address      varchar(45)  NOT NULL,
    Port         int          NOT NULL,
    Generation   int          NOT NULL,
    SiloName     varchar(150) NOT NULL,
    HostName     varchar(150) NOT NULL,
    Status       int          NOT NULL,  -- Orleans SiloStatus: 3 Active, 4 ShuttingDown, 5 Stopping, 6 Dead
    ProxyPort    int          NOT NULL DEFAULT 0,
    SuspectTimes text         NULL,      -- "silo,time|silo,time": the votes against this silo
    StartTime    timestamptz  NOT NULL,
    IAmAliveTime timestamptz  NOT NULL,
    PRIMARY KEY (DeploymentId, Address, Port, Generation)
);

-- Inserts a silo row if the deployment's version still equals p_version, then bumps the version.
CREATE OR REPLACE FUNCTION orleans_membership_insert(
    p_deployment_id text, p_address text, p_port int, p_generation int,
    p_silo_name text, p_host_name text, p_status int, p_proxy_port int,
    p_start_time timestamptz, p_i_am_alive_time timestamptz, p_version int)
    RETURNS boolean
    LANGUAGE plpgsql
AS $$
DECLARE
    current_version int;
BEGIN
    -- Locking the version row first queues concurrent writers of the deployment behind each other,
    -- so the check below cannot be overtaken between reading and bumping.
    SELECT v.Version INTO current_version
    FROM OrleansMembershipVersionTable v
    WHERE v.DeploymentId = p_deployment_id
    FOR UPDATE;

    IF current_version IS DISTINCT FROM p_version THEN
        RETURN false;
    END IF;

    INSERT INTO OrleansMembershipTable
        (DeploymentId, Address, Port, Generation, SiloName, HostName, Status, ProxyPort, StartTime, IAmAliveTime)
    VALUES
        (p_deployment_id, p_address, p_port, p_generation, p_silo_name, p_host_name, p_status,
         coalesce(p_proxy_port, 0), p_start_time, p_i_am_alive_time)
    ON CONFLICT DO NOTHING;

    IF NOT FOUND THEN
        RETURN false;  -- the silo row already exists; the version stays as it was
    END IF;

    UPDATE OrleansMembershipVersionTable
    SET Version = Version + 1, ChangedAt = now()
    WHERE DeploymentId = p_deployment_id;
    RETURN true;
END
$$;

-- Updates a silo row if the deployment's version still equals p_version, then bumps the version.
CREATE OR REPLACE FUNCTION orleans_membership_update(
    p_deployment_id text, p_address text, p_port int, p_generation int,
    p_status int, p_suspect_times text, p_i_am_alive_time timestamptz, p_version int)
    RETURNS boolean
    LANGUAGE plpgsql
AS $$
DECLARE
    current_version int;
BEGIN
    SELECT v.Version INTO current_version
    FROM OrleansMembershipVersionTable v
    WHERE v.DeploymentId = p_deployment_id
    FOR UPDATE;

    IF current_version IS DISTINCT FROM p_version THEN
        RETURN false;
    END IF;

    UPDATE OrleansMembershipTable
    SET Status = p_status, SuspectTimes = p_suspect_times, IAmAliveTime = p_i_am_alive_time
    WHERE DeploymentId = p_deployment_id AND Address = p_address AND Port = p_port AND Generation = p_generation;

    IF NOT FOUND THEN
        RETURN false;
    END IF;

    UPDATE OrleansMembershipVersionTable
    SET Version = Version + 1, ChangedAt = now()
    WHERE DeploymentId = p_deployment_id;
    RETURN true;
END
$$;

-- ---------------------------------------------------------------------------------------------
-- Reminders. GrainHash is the grain's uniform hash (a uint) carried in a signed int; the provider
-- picks ReadRangeRows1Key or 2Key by comparing the range ends as signed ints, so signed SQL
-- comparisons are the right ones. Period is in milliseconds.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS OrleansRemindersTable
(
    ServiceId    varchar(150) NOT NULL,
    GrainId      varchar(512) NOT NULL,
    ReminderName varchar(150) NOT NULL,
    StartTime    timestamptz  NOT NULL,
    Period       bigint       NOT NULL,
    GrainHash    int          NOT NULL,
    Version      int          NOT NULL,
    PRIMARY KEY (ServiceId, GrainId, ReminderName)
);

CREATE INDEX IF NOT EXISTS ix_orleansreminderstable_hash
    ON OrleansRemindersTable (ServiceId, GrainHash);

-- ---------------------------------------------------------------------------------------------
-- Grain persistence. One row per (service, grain type, grain id); Version is the ETag.
-- The unique index is what lets exactly one of two concurrent first writers win: the loser's
-- INSERT ... ON CONFLICT DO NOTHING waits for the winner's commit, then inserts nothing.
-- NULLS NOT DISTINCT (PostgreSQL 15) makes two NULL key extensions count as equal.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS OrleansStorage
(
    ServiceId              varchar(150) NOT NULL,
    GrainTypeHash          int          NOT NULL,
    GrainIdHash            int          NOT NULL,
    GrainIdN0              bigint       NOT NULL,
    GrainIdN1              bigint       NOT NULL,
    GrainTypeString        varchar(512) NOT NULL,
    GrainIdExtensionString varchar(512) NULL,
    PayloadBinary          bytea        NULL,
    Version                int          NOT NULL,
    ModifiedOn             timestamptz  NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX IF NOT EXISTS ux_orleansstorage_grain
    ON OrleansStorage (ServiceId, GrainTypeHash, GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeString, GrainIdExtensionString)
    NULLS NOT DISTINCT;

-- ---------------------------------------------------------------------------------------------
-- The provider queries. Parameter and result column names are fixed by the providers.
-- ---------------------------------------------------------------------------------------------
INSERT INTO OrleansQuery (QueryKey, QueryText)
VALUES
-- Clustering ----------------------------------------------------------------------------------
('InsertMembershipVersionKey', '
WITH inserted AS (
    INSERT INTO OrleansMembershipVersionTable (DeploymentId)
    VALUES (@DeploymentId)
    ON CONFLICT (DeploymentId) DO NOTHING
    RETURNING 1)
SELECT EXISTS (SELECT 1 FROM inserted);'),

('InsertMembershipKey', '
SELECT orleans_membership_insert(@DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName,
    @Status, @ProxyPort, @StartTime, @IAmAliveTime, @Version);'),

('UpdateMembershipKey', '
SELECT orleans_membership_update(@DeploymentId, @Address, @Port, @Generation, @Status,
    @SuspectTimes, @IAmAliveTime, @Version);'),

('UpdateIAmAlivetimeKey', '
UPDATE OrleansMembershipTable
SET IAmAliveTime = @IAmAliveTime
WHERE DeploymentId = @DeploymentId AND Address = @Address AND Port = @Port AND Generation = @Generation;'),

-- The version row is the driving table: the table version comes back even with no silo row.
('MembershipReadRowKey', '
SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
       m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
FROM OrleansMembershipVersionTable v
LEFT JOIN OrleansMembershipTable m
       ON m.DeploymentId = v.DeploymentId
      AND m.Address = @Address AND m.Port = @Port AND m.Generation = @Generation
WHERE v.DeploymentId = @DeploymentId;'),

('MembershipReadAllKey', '
SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
       m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
FROM OrleansMembershipVersionTable v
LEFT JOIN OrleansMembershipTable m ON m.DeploymentId = v.DeploymentId
WHERE v.DeploymentId = @DeploymentId;'),

('DeleteMembershipTableEntriesKey', '
DELETE FROM OrleansMembershipTable WHERE DeploymentId = @DeploymentId;
DELETE FROM OrleansMembershipVersionTable WHERE DeploymentId = @DeploymentId;'),

('GatewaysQueryKey', '
SELECT Address, ProxyPort, Generation
FROM OrleansMembershipTable
WHERE DeploymentId = @DeploymentId AND Status = @Status AND ProxyPort > 0;'),

-- Used only when CleanupDefunctSiloEntryKey is absent; kept so the provider starts either way.
('CleanupDefunctSiloEntriesKey', '
DELETE FROM OrleansMembershipTable
WHERE DeploymentId = @DeploymentId
  AND Status = 6
  AND IAmAliveTime < @IAmAliveTime
  AND StartTime < @IAmAliveTime;'),

-- Deletes one dead row the provider chose, only if it is still exactly as the provider read it.
('CleanupDefunctSiloEntryKey', '
DELETE FROM OrleansMembershipTable
WHERE DeploymentId = @DeploymentId
  AND Address = @Address AND Port = @Port AND Generation = @Generation
  AND Status = 6
  AND StartTime = @StartTime
  AND IAmAliveTime = @IAmAliveTime
  AND SuspectTimes IS NOT DISTINCT FROM @SuspectTimes;'),

-- Reminders ----------------------------------------------------------------------------------
('UpsertReminderRowKey', '
INSERT INTO OrleansRemindersTable AS r (ServiceId, GrainId, ReminderName, StartTime, Period, GrainHash, Version)
VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
ON CONFLICT (ServiceId, GrainId, ReminderName) DO UPDATE
SET StartTime = excluded.StartTime,
    Period = excluded.Period,
    GrainHash = excluded.GrainHash,
    Version = r.Version + 1
RETURNING r.Version;'),

('ReadReminderRowsKey', '
SELECT GrainId, ReminderName, StartTime, Period, Version
FROM OrleansRemindersTable
WHERE ServiceId = @ServiceId AND GrainId = @GrainId;'),

('ReadReminderRowKey', '
SELECT GrainId, ReminderName, StartTime, Period, Version
FROM OrleansRemindersTable
WHERE ServiceId = @ServiceId AND GrainId = @GrainId AND ReminderName = @ReminderName;'),

('ReadRangeRows1Key', '
SELECT GrainId, ReminderName, StartTime, Period, Version
FROM OrleansRemindersTable
WHERE ServiceId = @ServiceId AND GrainHash > @BeginHash AND GrainHash <= @EndHash;'),

('ReadRangeRows2Key', '
SELECT GrainId, ReminderName, StartTime, Period, Version
FROM OrleansRemindersTable
WHERE ServiceId = @ServiceId AND (GrainHash > @BeginHash OR GrainHash <= @EndHash);'),

('DeleteReminderRowKey', '
WITH deleted AS (
    DELETE FROM OrleansRemindersTable
    WHERE ServiceId = @ServiceId AND GrainId = @GrainId AND ReminderName = @ReminderName AND Version = @Version
    RETURNING 1)
SELECT count(*) FROM deleted;'),

('DeleteReminderRowsKey', '
DELETE FROM OrleansRemindersTable WHERE ServiceId = @ServiceId;'),

-- Persistence --------------------------------------------------------------------------------
-- Always one row. NULL @GrainStateVersion: first write, insert version 1; if another writer
-- got there first, answer NULL. Otherwise: update if the version still matches, else answer the
-- caller's own version. Either "conflict" answer makes the provider throw InconsistentStateException.
('WriteToStorageKey', '
WITH inserted AS (
    INSERT INTO OrleansStorage (ServiceId, GrainTypeHash, GrainIdHash, GrainIdN0, GrainIdN1,
                                GrainTypeString, GrainIdExtensionString, PayloadBinary, Version)
    SELECT @ServiceId, @GrainTypeHash, @GrainIdHash, @GrainIdN0, @GrainIdN1,
           @GrainTypeString, @GrainIdExtensionString, @PayloadBinary, 1
    WHERE @GrainStateVersion IS NULL
    ON CONFLICT (ServiceId, GrainTypeHash, GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeString, GrainIdExtensionString)
    DO NOTHING
    RETURNING Version),
updated AS (
    UPDATE OrleansStorage
    SET PayloadBinary = @PayloadBinary, Version = Version + 1, ModifiedOn = now()
    WHERE @GrainStateVersion IS NOT NULL
      AND ServiceId = @ServiceId AND GrainTypeHash = @GrainTypeHash AND GrainIdHash = @GrainIdHash
      AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1 AND GrainTypeString = @GrainTypeString
      AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
      AND Version = @GrainStateVersion
    RETURNING Version)
SELECT coalesce((SELECT Version FROM inserted), (SELECT Version FROM updated), @GrainStateVersion) AS NewGrainStateVersion;'),

('ReadFromStorageKey', '
SELECT PayloadBinary, Version
FROM OrleansStorage
WHERE ServiceId = @ServiceId AND GrainTypeHash = @GrainTypeHash AND GrainIdHash = @GrainIdHash
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1 AND GrainTypeString = @GrainTypeString
  AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString;'),

-- Keeps the row with a NULL payload and a new version, so a stale writer still conflicts.
('ClearStorageKey', '
WITH cleared AS (
    UPDATE OrleansStorage
    SET PayloadBinary = NULL, Version = Version + 1, ModifiedOn = now()
    WHERE ServiceId = @ServiceId AND GrainTypeHash = @GrainTypeHash AND GrainIdHash = @GrainIdHash
      AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1 AND GrainTypeString = @GrainTypeString
      AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
      AND Version = @GrainStateVersion
    RETURNING Version)
SELECT coalesce((SELECT Version FROM cleared), @GrainStateVersion) AS NewGrainStateVersion;'),

-- Used instead of ClearStorageKey when AdoNetGrainStorageOptions.DeleteStateOnClear is set.
('DeleteStorageKey', '
WITH deleted AS (
    DELETE FROM OrleansStorage
    WHERE ServiceId = @ServiceId AND GrainTypeHash = @GrainTypeHash AND GrainIdHash = @GrainIdHash
      AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1 AND GrainTypeString = @GrainTypeString
      AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
      AND Version = @GrainStateVersion
    RETURNING Version)
SELECT coalesce((SELECT Version + 1 FROM deleted), @GrainStateVersion) AS NewGrainStateVersion;')
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;

-- ---------------------------------------------------------------------------------------------
-- The event log. Enums are stored by name (EventKind, Reason, ActionType) so that SQL a support
-- engineer writes reads like the Activity tab: WHERE kind = 'Skipped' AND reason = 'CapReached'.
-- seq orders the log; "at" is when the event happened, which an external event may set in the past.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS breaker_events
(
    seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           timestamptz NOT NULL,
    kind         text        NOT NULL,
    workspace_id text        NOT NULL,
    campaign_id  text        NULL,
    account_id   text        NULL,
    prospect_id  text        NULL,
    action       text        NULL,
    reason       text        NOT NULL DEFAULT 'None',
    text         text        NULL,
    resume_at    timestamptz NULL,
    key          text        NULL,  -- idempotency key of the dispatch, on final outcomes only
    source       text        NULL,  -- where an external event came from; NULL for our own
    recorded_at  timestamptz NOT NULL DEFAULT now()
);

-- (a) The Activity tab: a campaign's events newest first, filtered by kind/reason, paged by seq.
CREATE INDEX IF NOT EXISTS ix_breaker_events_campaign
    ON breaker_events (workspace_id, campaign_id, seq DESC);

-- (b) The hourly success re-check: the earliest Sent of an action on an account after a time
--     (ORDER BY at, seq LIMIT 1 reads the first index entry).
CREATE INDEX IF NOT EXISTS ix_breaker_events_account_success
    ON breaker_events (workspace_id, account_id, action, at, seq)
    WHERE kind = 'Sent';

-- (c) Cap counters: every delivered action on an account within a window.
CREATE INDEX IF NOT EXISTS ix_breaker_events_account_delivered
    ON breaker_events (workspace_id, account_id, at)
    INCLUDE (action)
    WHERE kind = 'Sent';

-- (d) Intent recovery: the newest final outcome recorded for an idempotency key.
--     Redundant since 002's unique index on the same key; 008 drops it. Created only on a database
--     before version 8, so that applying this file again to a later one does not build it anew
--     (a scan of the whole log) for 008 to drop. The only edit to this file since it shipped.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM breaker_schema_version WHERE version >= 8) THEN
        CREATE INDEX IF NOT EXISTS ix_breaker_events_account_key
            ON breaker_events (workspace_id, account_id, key, seq DESC)
            WHERE key IS NOT NULL;
    END IF;
END $$;

-- ---------------------------------------------------------------------------------------------
-- The version goes last, so a failed apply leaves the old version in place. It never moves down:
-- applying this file to a database at a later version leaves that version alone.
-- ---------------------------------------------------------------------------------------------
INSERT INTO breaker_schema_version (version)
SELECT 1
WHERE NOT EXISTS (SELECT 1 FROM breaker_schema_version);

UPDATE breaker_schema_version SET version = 1 WHERE version < 1;
