-- gatehouse schema version 12 (PostgreSQL): a placeholder. Version 12 is taken
-- by another branch; this file only keeps the webauthn branch's numbering
-- contiguous, and goes when the branches are merged.
SELECT 1;
