-- Signing in to the hub as oneself, and API tokens per integration. Only SHA-256 digests
-- of the secrets are kept (session ids, sign-in links, API tokens); each secret is 32
-- random bytes, so no salt is needed.

-- A browser signed in as a person on one hub connector. Valid while not revoked, used
-- within the idle limit (last_seen_at) and before expires_at (the absolute limit).
CREATE TABLE web_sessions (
    id           INTEGER PRIMARY KEY,
    person_id    INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    connector    TEXT NOT NULL,
    id_hash      TEXT NOT NULL UNIQUE,    -- hex SHA-256 of the cookie value
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    revoked_at   INTEGER
);
CREATE INDEX web_sessions_person ON web_sessions(person_id);

-- A one-time sign-in link the bot sent a person by direct message.
CREATE TABLE sign_in_links (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    connector   TEXT NOT NULL,            -- the hub the link signs in to
    token_hash  TEXT NOT NULL UNIQUE,     -- hex SHA-256 of the token in the link
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);
CREATE INDEX sign_in_links_person ON sign_in_links(person_id, created_at);

-- Sign-in requests, for rate limits per person and per client address. person_id is
-- NULL when the name or email typed matched nobody.
CREATE TABLE sign_in_requests (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    client      TEXT NOT NULL,
    person_id   INTEGER REFERENCES people(id) ON DELETE CASCADE
);
CREATE INDEX sign_in_requests_client ON sign_in_requests(client, at);
CREATE INDEX sign_in_requests_person ON sign_in_requests(person_id, at);

-- `twintrack token create NAME --scope ...`: one token per integration.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    scopes       TEXT NOT NULL,           -- space-separated, e.g. "reports:read deals:write"
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,                 -- NULL: no end
    revoked_at   INTEGER,
    last_used_at INTEGER
);
