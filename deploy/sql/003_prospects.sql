-- OrleansBreaker schema, version 3, on top of 002: campaign prospects in a table of their own (issue 11).
--
-- Why. Until now a campaign's prospects lived in its grain-state blob (OrleansStorage), rewritten whole
-- after every batch, clear, accept and reply: a campaign of 50,000 prospects wrote 4.5 MB per write.
-- Here each prospect is one row, written when that prospect changes (PostgresProspectStore, one
-- statement per store call), so recording a send costs the same at 100 prospects as at 100,000; and a
-- due index of campaigns lets an idle campaign sleep with no timer and no reminder.
--
-- What is here:
--   * breaker_prospects: one row per (workspace, campaign, prospect), the fields of ProspectRecord,
--     and the indexes its readers need to stay index reads at 100,000 prospects per campaign:
--       ix_breaker_prospects_due            the due read and the next wake (open prospects only),
--       ix_breaker_prospects_resume         the earliest resume time per step (Waiting prospects only),
--       ix_breaker_prospects_status_reason  the prospects list filtered by status and/or reason, paged by id.
--   * breaker_campaign_wakes: when each campaign must next be awake and which silo keeps it awake; a
--     silo claims the entries due whose owner is dead (ClaimDueAsync), so campaigns with due work come
--     back after their silo dies without a reminder per campaign.
--   * Raises breaker_schema_version to 3.
--
-- Status and reason are smallint codes, not names as in breaker_events. The event log is written once
-- per row; a prospect row is rewritten on every change of the prospect, and each rewrite logs the whole
-- new row plus one entry in every index (the wake time is in the due index and moves with nearly every
-- change, so an update is almost never HOT). A name costs its length plus a header byte (up to 23 bytes for
-- 'InMailCreditsExhausted') in the row and in the status-reason index entry; a code costs 2. The
-- codes are the C# enums' explicit values, which are part of the contract and never renumbered:
--   status (ProspectStatus): 0 Due, 1 Waiting, 2 Done, 3 Failed, 4 Unknown
--   reason (Reason):         0 None, 1 InMailCreditsExhausted, 2 ActionLimitReached, 3 AccountDisconnected,
--                            4 AccountRestricted, 5 SafetyMode, 6 CapReached, 7 OutsideWorkingHours,
--                            8 StepDelay, 9 Pacing, 10 RecipientUnavailable, 11 RateLimited,
--                            12 UpstreamError, 13 OutcomeUnknown, 14 StorageUnavailable,
--                            15 ActionDisabled, 16 CircuitBreaker, 17 CampaignPaused
-- The view breaker_prospects_named shows them by name, for SQL a support engineer writes by hand.
--
-- Why these indexes and no others: every index costs an entry per prospect write (see above), so only
-- the readers that would otherwise read a whole campaign get one. Status and reason are the filters of
-- "why are my prospects stuck" (API.md section 3), and their matches can be a handful among 100,000.
-- They share one index, (status, reason, prospect_id): each (status, reason) pair is a range in id
-- order, and the list merges the ranges its filter allows (PostgresProspectStore.ListSql), so a page
-- reads about a page of entries whatever the filter. Measured on PostgreSQL 15, 2,000 sends (one
-- prospect rewritten each) in campaigns of 100 and 100,000: about 1,240-1,270 WAL bytes per send with
-- a status index and a reason index, 1,070-1,110 with this one index, 910-950 with neither; status and
-- reason as text instead of codes, with two indexes: 1,260-1,360.
-- The step, open and account filters refine those index reads, or the primary key walk when given
-- alone: their matches are dense (a step holds a large share of a campaign; a campaign sends from a
-- few accounts), so a walk in id order reads about page size / share of matches rows for a page.
--
-- Safe to apply again: tables, indexes and the view are IF NOT EXISTS / CREATE OR REPLACE, and the
-- version only ever moves up. Apply after 002, in one transaction:
--   psql -v ON_ERROR_STOP=1 --single-transaction -f 003_prospects.sql
-- The previous build keeps working on this schema: it does not use these tables.

-- Queue behind any other apply (001 and 002 take the same lock).
DO $$ BEGIN PERFORM pg_advisory_xact_lock(7301001); END $$;

-- ---------------------------------------------------------------------------------------------
-- Prospects. The primary key orders the prospects list (ListAsync pages by prospect_id after a
-- cursor, in byte order: the columns are COLLATE "C", whatever the database's default collation. That
-- is .NET's ordinal order, the in-memory store's, for every id without characters beyond U+FFFF).
-- ---------------------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS breaker_prospects
(
    workspace_id text COLLATE "C" NOT NULL,
    campaign_id  text COLLATE "C" NOT NULL,
    prospect_id  text COLLATE "C" NOT NULL,
    profile_url  text        NULL,
    step         int         NOT NULL DEFAULT 0,      -- 0-based index of the current step
    status       smallint    NOT NULL DEFAULT 0,      -- ProspectStatus code (see the header)
    reason       smallint    NOT NULL DEFAULT 0,      -- Reason code (see the header)
    resume_at    timestamptz NULL,                    -- when the prospect can move again, as users see it
    wake_at      timestamptz NULL,                    -- when the campaign looks at it again; NULL = closed
    attempts     int         NOT NULL DEFAULT 0,
    skipped_trip timestamptz NULL,                    -- the breaker trip this step was last skipped for
    skipped_step int         NOT NULL DEFAULT -1,
    accepted     boolean     NOT NULL DEFAULT false,
    replied      boolean     NOT NULL DEFAULT false,
    account_id   text        NULL,                    -- the account that delivered the first action
    version      int         NOT NULL DEFAULT 1,      -- compare-and-set: written only over version - 1
    PRIMARY KEY (workspace_id, campaign_id, prospect_id)
);

-- The due read (open prospects due by a time, earliest first, ties by id) and the next wake (its
-- first entry). Closed prospects (Done, final Failed, Unknown) have no wake time and no entry here.
CREATE INDEX IF NOT EXISTS ix_breaker_prospects_due
    ON breaker_prospects (workspace_id, campaign_id, wake_at, prospect_id)
    WHERE wake_at IS NOT NULL;

-- The earliest resume time of each step's Waiting prospects: one seek per step (status 1 = Waiting).
CREATE INDEX IF NOT EXISTS ix_breaker_prospects_resume
    ON breaker_prospects (workspace_id, campaign_id, step, resume_at)
    WHERE status = 1 AND resume_at IS NOT NULL;

-- The prospects list filtered by status, reason or both: one range in id order per (status, reason).
CREATE INDEX IF NOT EXISTS ix_breaker_prospects_status_reason
    ON breaker_prospects (workspace_id, campaign_id, status, reason, prospect_id);

-- The same rows with status and reason by name, e.g.
--   SELECT prospect_id, step, resume_at FROM breaker_prospects_named
--   WHERE campaign_id = 'c1' AND status = 'Waiting' AND reason = 'InMailCreditsExhausted';
CREATE OR REPLACE VIEW breaker_prospects_named AS
SELECT p.workspace_id, p.campaign_id, p.prospect_id, p.profile_url, p.step,
       (ARRAY['Due', 'Waiting', 'Done', 'Failed', 'Unknown'])[p.status + 1] AS status,
       (ARRAY['None', 'InMailCreditsExhausted', 'ActionLimitReached', 'AccountDisconnected',
              'AccountRestricted', 'SafetyMode', 'CapReached', 'OutsideWorkingHours', 'StepDelay',
              'Pacing', 'RecipientUnavailable', 'RateLimited', 'UpstreamError', 'OutcomeUnknown',
              'StorageUnavailable', 'ActionDisabled', 'CircuitBreaker', 'CampaignPaused'])[p.reason + 1] AS reason,
       p.resume_at, p.wake_at, p.attempts, p.skipped_trip, p.skipped_step, p.accepted, p.replied,
       p.account_id, p.version
FROM breaker_prospects p;

-- ---------------------------------------------------------------------------------------------
-- The campaigns' due index. owner is the silo that keeps the campaign awake (its timer runs there);
-- NULL, or a silo no longer alive, means the first silo to claim the entry wakes the campaign.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS breaker_campaign_wakes
(
    workspace_id text        NOT NULL,
    campaign_id  text        NOT NULL,
    wake_at      timestamptz NOT NULL,
    owner        text        NULL,
    PRIMARY KEY (workspace_id, campaign_id)
);

-- The claim: the entries due by a time, earliest first.
CREATE INDEX IF NOT EXISTS ix_breaker_campaign_wakes_due
    ON breaker_campaign_wakes (wake_at);

-- ---------------------------------------------------------------------------------------------
-- The version goes last, so a failed apply leaves the old version in place. It never moves down.
-- ---------------------------------------------------------------------------------------------
INSERT INTO breaker_schema_version (version)
SELECT 3
WHERE NOT EXISTS (SELECT 1 FROM breaker_schema_version);

UPDATE breaker_schema_version SET version = 3 WHERE version < 3;
