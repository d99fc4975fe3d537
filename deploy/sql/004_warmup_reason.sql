-- OrleansBreaker schema, version 4, on top of 003: the reason WarmUp (BRIEF §12) in the named view.
--
-- breaker_prospects.reason holds the Reason code (Grains.Interfaces/Reasons.cs); code 18, WarmUp, is a
-- send deferred by an account's warm-up ramp. The view breaker_prospects_named, for SQL written by hand,
-- shows codes by name and gains it here. No table changes: the previous build keeps working on this
-- schema, and a silo needs only version 3 (PostgresSchema.ExpectedVersion) to run.
--
-- Safe to apply again (CREATE OR REPLACE; the version only ever moves up). Apply after 003, in one
-- transaction:
--   psql -v ON_ERROR_STOP=1 --single-transaction -f 004_warmup_reason.sql

-- Queue behind any other apply (001 to 003 take the same lock).
DO $$ BEGIN PERFORM pg_advisory_xact_lock(7301001); END $$;

CREATE OR REPLACE VIEW breaker_prospects_named AS
SELECT p.workspace_id, p.campaign_id, p.prospect_id, p.profile_url, p.step,
       (ARRAY['Due', 'Waiting', 'Done', 'Failed', 'Unknown'])[p.status + 1] AS status,
       (ARRAY['None', 'InMailCreditsExhausted', 'ActionLimitReached', 'AccountDisconnected',
              'AccountRestricted', 'SafetyMode', 'CapReached', 'OutsideWorkingHours', 'StepDelay',
              'Pacing', 'RecipientUnavailable', 'RateLimited', 'UpstreamError', 'OutcomeUnknown',
              'StorageUnavailable', 'ActionDisabled', 'CircuitBreaker', 'CampaignPaused',
              'WarmUp'])[p.reason + 1] AS reason,
       p.resume_at, p.wake_at, p.attempts, p.skipped_trip, p.skipped_step, p.accepted, p.replied,
       p.account_id, p.version
FROM breaker_prospects p;

-- The version goes last, so a failed apply leaves the old version in place. It never moves down.
UPDATE breaker_schema_version SET version = 4 WHERE version < 4;
