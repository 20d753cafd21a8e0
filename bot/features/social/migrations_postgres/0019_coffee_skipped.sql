-- "Skip this round" is an answer of its own in the coffee statistics, apart from "not met"
-- (1: skipped, then met is 0). Answers given before this migration count as not skipped.
ALTER TABLE coffee_answers ADD COLUMN skipped BIGINT NOT NULL DEFAULT 0 CHECK (skipped IN (0, 1));
