-- What a connector that serves people in every process (the hub) showed in one process,
-- for the others on the same database to show their own connections too: a bot post or
-- update, or a person's message (kind), in a channel or "@" + a person's direct
-- conversation (target), as the connector's own text (payload, the hub's frame), by the
-- process that showed it (origin, HOST:PID:RANDOM). Written only where several processes
-- share the database (PostgreSQL); rows are pruned after minutes.
CREATE TABLE fan_out (
    id          INTEGER PRIMARY KEY,
    connector   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    target      TEXT NOT NULL,
    payload     TEXT NOT NULL,
    origin      TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX fan_out_created ON fan_out (created_at);
