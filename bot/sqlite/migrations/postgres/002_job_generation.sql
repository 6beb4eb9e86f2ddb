-- A job's generation (see ../002_job_generation.sql). SQLite rebuilt the
-- table for AUTOINCREMENT; an identity column never reuses an id anyway.
ALTER TABLE jobs ADD COLUMN gen BIGINT NOT NULL DEFAULT 0;
