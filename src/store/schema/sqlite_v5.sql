-- gatehouse schema version 5 (SQLite): the flow review's facts of a step
-- (src/trace/attrs.h: "key=value" pairs, secrets only as fingerprints),
-- filled for flows imported from HAR files, '' for recorded ones.
ALTER TABLE trace_step ADD COLUMN attrs TEXT NOT NULL DEFAULT '';
