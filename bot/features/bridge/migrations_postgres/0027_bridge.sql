-- The bridge (bot/features/bridge): people's messages relayed between channels of
-- different platforms. One row per message of a bridge: the one a person wrote (the
-- origin, its own connector and id) and each copy relayed to another channel, all under
-- the origin's key, so that replies, edits and deletes find every copy, also after a
-- restart.
CREATE TABLE bridge_messages (
    bridge           TEXT NOT NULL,
    origin_connector TEXT NOT NULL,
    origin_id        TEXT NOT NULL,
    connector        TEXT NOT NULL,
    channel          TEXT NOT NULL,
    -- The platform's id of this message; NULL for a copy until the outbox confirms it.
    message_id       TEXT,
    -- Address.thread of replies to it, on platforms with threads (Slack: its ts).
    reply_thread     TEXT NOT NULL DEFAULT '',
    -- The outbox post of a copy (its dedupe key); NULL for the origin.
    dedupe_key       TEXT,
    created_at       BIGINT NOT NULL,
    PRIMARY KEY (bridge, origin_connector, origin_id, connector)
);
CREATE INDEX bridge_messages_by_id ON bridge_messages(connector, message_id);
CREATE UNIQUE INDEX bridge_messages_by_key ON bridge_messages(dedupe_key);
