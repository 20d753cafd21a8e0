-- Marketing process management: a campaign of the metrics (campaigns) planned as a process
-- of steps from a template (config campaigns.templates), each with an owner, working days
-- and a due time, and the input sales gave on the steps that ask for it.
CREATE TABLE campaign_plans (
    campaign_id INTEGER PRIMARY KEY REFERENCES campaigns(id) ON DELETE CASCADE,
    template    TEXT NOT NULL,
    starts_on   TEXT NOT NULL,   -- YYYY-MM-DD, the first working day of the plan
    planned_by  INTEGER REFERENCES people(id),
    planned_at  INTEGER NOT NULL
);

CREATE TABLE campaign_steps (
    id          INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,   -- 1, 2, ... as the board numbers them
    name        TEXT NOT NULL,
    owner_role  TEXT NOT NULL,      -- marketing, sales_manager, ... (the template's)
    owner_id    INTEGER REFERENCES people(id),
    days        INTEGER NOT NULL,   -- working days
    sales_input INTEGER NOT NULL DEFAULT 0,
    review      INTEGER NOT NULL DEFAULT 0,
    waits_for   TEXT NOT NULL DEFAULT '',  -- the seq numbers it starts after, "1,2"
    starts_on   TEXT NOT NULL,      -- YYYY-MM-DD as planned
    due_at      INTEGER NOT NULL,   -- the end of the last working day in the owner's zone
    state       TEXT NOT NULL CHECK (state IN ('waiting', 'active', 'done')),
    started_at  INTEGER,
    done_at     INTEGER,
    done_by     INTEGER REFERENCES people(id),
    UNIQUE (campaign_id, seq)
);

CREATE TABLE campaign_step_inputs (
    id        INTEGER PRIMARY KEY,
    step_id   INTEGER NOT NULL REFERENCES campaign_steps(id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES people(id),
    body      TEXT NOT NULL,
    at        INTEGER NOT NULL
);
CREATE INDEX campaign_step_inputs_by_step ON campaign_step_inputs(step_id);
