-- The 3-1-3 plan (3-1-3 原则): each customer's market (an industry or region from the
-- configured list `plan.markets`, by its canonical name), the 3-year outlook per market,
-- the 1-year targets (revenue and cost budget per market and year) and the 3-month
-- activities with their budget and what was spent. Amounts are in the company currency.
CREATE TABLE plan_customer_markets (
    customer_id INTEGER PRIMARY KEY REFERENCES customers(id),
    market      TEXT NOT NULL,
    set_by      INTEGER NOT NULL REFERENCES people(id),
    set_at      INTEGER NOT NULL
);
CREATE INDEX plan_customer_markets_by_market ON plan_customer_markets(market);

CREATE TABLE plan_outlooks (
    market TEXT PRIMARY KEY,
    text   TEXT NOT NULL,
    set_by INTEGER REFERENCES people(id),
    set_at INTEGER NOT NULL
);

CREATE TABLE plan_targets (
    year    INTEGER NOT NULL,
    market  TEXT NOT NULL,
    revenue REAL CHECK (revenue IS NULL OR revenue >= 0),
    budget  REAL CHECK (budget IS NULL OR budget >= 0),
    set_by  INTEGER REFERENCES people(id),
    set_at  INTEGER NOT NULL,
    PRIMARY KEY (year, market)
);

-- A 3-month activity: one name per quarter (2027Q1); its market may be empty (all).
CREATE TABLE plan_activities (
    id       INTEGER PRIMARY KEY,
    name     TEXT NOT NULL,
    name_key TEXT NOT NULL,
    market   TEXT NOT NULL,
    quarter  TEXT NOT NULL,
    budget   REAL NOT NULL CHECK (budget >= 0),
    spent    REAL CHECK (spent IS NULL OR spent >= 0),
    set_by   INTEGER REFERENCES people(id),
    set_at   INTEGER NOT NULL,
    UNIQUE (quarter, name_key)
);
