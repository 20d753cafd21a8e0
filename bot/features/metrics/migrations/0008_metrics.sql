-- Weekly joint metrics and summaries: deals (from chat, CSV or a CRM), quotas, marketing
-- campaigns with the customers they touched, and the messages seen in channels (never
-- direct messages) for channel summaries. Times are UTC milliseconds; amounts are in the
-- currency written, and converted into the company currency when recorded.

CREATE TABLE deals (
    id               INTEGER PRIMARY KEY,
    external_id      TEXT UNIQUE,           -- the CRM's id; NULL for deals entered in chat
    customer_id      INTEGER REFERENCES customers(id),
    customer_text    TEXT NOT NULL,         -- as written when the customer is unknown
    engagement_id    INTEGER REFERENCES engagements(id),
    stage            TEXT NOT NULL CHECK (stage IN ('open', 'won', 'lost')),
    amount           REAL NOT NULL,         -- in `currency`
    currency         TEXT NOT NULL,
    company_amount   REAL NOT NULL,         -- in the company currency
    margin           REAL,                  -- 0..1, profit share of the amount
    owner_id         INTEGER REFERENCES people(id),
    reason           TEXT NOT NULL DEFAULT '',  -- why it was lost
    created_at       INTEGER NOT NULL,      -- when the deal entered the pipeline
    closed_at        INTEGER,               -- won or lost
    source           TEXT NOT NULL CHECK (source IN ('chat', 'csv', 'api')),
    source_updated   INTEGER NOT NULL,      -- the source's own update time (CRM updated_at)
    updated_at       INTEGER NOT NULL
);
CREATE INDEX deals_closed ON deals(closed_at);
CREATE INDEX deals_created ON deals(created_at);
CREATE INDEX deals_customer ON deals(customer_id);

CREATE TABLE quotas (
    id           INTEGER PRIMARY KEY,
    subject      TEXT NOT NULL,   -- 'person:ID' or 'team:DEPARTMENT'
    person_id    INTEGER REFERENCES people(id),
    team         TEXT,
    period       TEXT NOT NULL,   -- 2026-Q4, 2026-11 or 2026
    starts_at    INTEGER NOT NULL,  -- period start in the company zone
    ends_at      INTEGER NOT NULL,
    revenue      REAL,
    profit       REAL,
    updated_at   INTEGER NOT NULL,
    UNIQUE (subject, period)
);

CREATE TABLE campaigns (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL UNIQUE,
    cost        REAL NOT NULL,   -- in the company currency
    starts_on   TEXT NOT NULL,   -- YYYY-MM-DD
    ends_on     TEXT NOT NULL,
    starts_at   INTEGER NOT NULL,
    ends_at     INTEGER NOT NULL,  -- the end of ends_on in the company zone
    segment     TEXT NOT NULL DEFAULT '',
    created_by  INTEGER REFERENCES people(id),
    created_at  INTEGER NOT NULL
);

CREATE TABLE campaign_touches (
    campaign_id  INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    customer_id  INTEGER NOT NULL REFERENCES customers(id),
    at           INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, customer_id)
) WITHOUT ROWID;
CREATE INDEX campaign_touches_customer ON campaign_touches(customer_id);

CREATE TABLE channel_messages (
    id          INTEGER PRIMARY KEY,
    connector   TEXT NOT NULL,
    channel     TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    person_id   INTEGER REFERENCES people(id),
    user_id     TEXT NOT NULL,
    text        TEXT NOT NULL,
    at          INTEGER NOT NULL,
    UNIQUE (connector, event_id)
);
CREATE INDEX channel_messages_channel ON channel_messages(connector, channel, at);
