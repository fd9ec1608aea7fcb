-- gatehouse schema version 5 (PostgreSQL): the same as sqlite_v2.sql, the
-- flow review's facts of a step ('' for recorded steps).
ALTER TABLE trace_step ADD COLUMN attrs TEXT NOT NULL DEFAULT '';
