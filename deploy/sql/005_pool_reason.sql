-- OrleansBreaker schema, version 5, on top of 004: the reason AccountRemovedFromPool (BRIEF §11) in the named view.
--
-- breaker_prospects.reason holds the Reason code (Grains.Interfaces/Reasons.cs); code 19,
-- AccountRemovedFromPool, is a prospect whose account (the one its conversation started on) left its
-- campaign's pool of accounts. The view breaker_prospects_named, for SQL written by hand, shows codes by
-- name and gains it here. No table changes: breaker_prospects.account_id already holds the account a
-- prospect is bound to, so earlier builds keep working on this schema, and a silo needs only version 3
-- (PostgresSchema.ExpectedVersion) to run.
--
-- Safe to apply again (CREATE OR REPLACE; the version only ever moves up). Apply after 004, in one
-- transaction:
--   psql -v ON_ERROR_STOP=1 --single-transaction -f 005_pool_reason.sql

-- Queue behind any other apply (001 to 004 take the same lock).
DO $$ BEGIN PERFORM pg_advisory_xact_lock(7301001); END $$;

CREATE OR REPLACE VIEW breaker_prospects_named AS
SELECT p.workspace_id, p.campaign_id, p.prospect_id, p.profile_url, p.step,
       (ARRAY['Due', 'Waiting', 'Done', 'Failed', 'Unknown'])[p.status + 1] AS status,
       (ARRAY['None', 'InMailCreditsExhausted', 'ActionLimitReached', 'AccountDisconnected',
              'AccountRestricted', 'SafetyMode', 'CapReached', 'OutsideWorkingHours', 'StepDelay',
              'Pacing', 'RecipientUnavailable', 'RateLimited', 'UpstreamError', 'OutcomeUnknown',
              'StorageUnavailable', 'ActionDisabled', 'CircuitBreaker', 'CampaignPaused',
              'WarmUp', 'AccountRemovedFromPool'])[p.reason + 1] AS reason,
       p.resume_at, p.wake_at, p.attempts, p.skipped_trip, p.skipped_step, p.accepted, p.replied,
       p.account_id, p.version
FROM breaker_prospects p;

-- The version goes last, so a failed apply leaves the old version in place. It never moves down.
UPDATE breaker_schema_version SET version = 5 WHERE version < 5;
