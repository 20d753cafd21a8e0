-- When the bot sent a person its welcome message (UTC milliseconds), so the welcome goes
-- out once per person: across restarts and whichever platform they are met on first.
-- NULL: not welcomed yet.
ALTER TABLE people ADD COLUMN welcomed_at BIGINT;
