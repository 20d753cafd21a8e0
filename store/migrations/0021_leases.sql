-- Several processes on one database: a due job or outbox post is claimed by one process
-- for a while (claimed_by, claimed_until: UTC milliseconds), so that no other process
-- runs or sends it meanwhile; a claim that runs out (the process died) may be taken by
-- another. Finishing the work clears the claim.
ALTER TABLE jobs ADD COLUMN claimed_by TEXT;
ALTER TABLE jobs ADD COLUMN claimed_until INTEGER;
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN claimed_until INTEGER;

-- Named leases held by one process at a time (e.g. `connector:irc`): renewed while the
-- holder works, taken over by another process once expires_at has passed.
CREATE TABLE leases (
    name         TEXT PRIMARY KEY,
    holder       TEXT NOT NULL,
    acquired_at  INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
) WITHOUT ROWID;
