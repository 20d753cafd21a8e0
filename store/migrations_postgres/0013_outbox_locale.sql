-- The locale an outbox post is written in, so a connector that adds words of its own
-- (IRC's pointer to the rest of a long reply) uses the same language after a restart.
-- Empty for posts queued before this column existed: the connector's default applies.
ALTER TABLE outbox ADD COLUMN locale TEXT NOT NULL DEFAULT '';
