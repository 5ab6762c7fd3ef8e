-- Schema version 1: the registry, the intent journal, the audit log, archives and feedback.
--
-- Conventions: instants are UTC RFC 3339 text with nine fraction digits and `Z`
-- (`2026-03-01T02:03:04.000000000Z`), fixed width, so text order is time order; dates are
-- `YYYY-MM-DD`; `*_date` and `month` columns hold the kiosk-local (UTC+8) date of an instant;
-- enumerations are their stable snake_case codes.

CREATE TABLE persons (
    id_number    TEXT PRIMARY KEY NOT NULL,
    name         TEXT NOT NULL,
    sex          TEXT NOT NULL CHECK (sex IN ('male', 'female', 'unknown')),
    ethnicity    INTEGER NOT NULL CHECK (ethnicity BETWEEN 0 AND 255),
    birth_date   TEXT NOT NULL,
    address      TEXT NOT NULL,
    phone        TEXT,
    photo_sha256 TEXT
);

CREATE TABLE photos (
    id_number TEXT PRIMARY KEY NOT NULL REFERENCES persons (id_number),
    sha256    TEXT NOT NULL,
    jpeg      BLOB NOT NULL,
    at        TEXT NOT NULL
);

CREATE TABLE cards (
    card_number           TEXT PRIMARY KEY NOT NULL,
    id_number             TEXT NOT NULL REFERENCES persons (id_number),
    chip_serial           TEXT,
    state                 TEXT NOT NULL CHECK (state IN ('in_production', 'issued', 'active',
                              'lost_temporary', 'lost_formal', 'cancelled')),
    issue_date            TEXT,
    expiry_date           TEXT,
    state_since           TEXT NOT NULL,
    reissue_batch         TEXT,
    replacement_requested INTEGER NOT NULL DEFAULT 0 CHECK (replacement_requested IN (0, 1))
);
CREATE INDEX cards_by_person ON cards (id_number);
CREATE INDEX cards_by_state ON cards (state, state_since);
CREATE INDEX cards_by_chip ON cards (chip_serial);

CREATE TABLE applications (
    case_id              TEXT PRIMARY KEY NOT NULL,
    id_number            TEXT NOT NULL REFERENCES persons (id_number),
    business             TEXT NOT NULL,
    progress             TEXT NOT NULL CHECK (progress IN ('submitted', 'accepted',
                             'in_production', 'ready_for_pickup', 'collected', 'rejected')),
    submitted_at         TEXT NOT NULL,
    deadline             TEXT NOT NULL,
    deadline_provisional INTEGER NOT NULL CHECK (deadline_provisional IN (0, 1)),
    old_card             TEXT,
    reasons              TEXT,
    -- who moved it last, and when (the audit log holds every step)
    progress_at          TEXT NOT NULL,
    progress_by          TEXT NOT NULL
);
CREATE INDEX applications_by_person ON applications (id_number, submitted_at);
CREATE INDEX applications_by_progress ON applications (progress, submitted_at);

CREATE TABLE ecards (
    token_id    TEXT PRIMARY KEY NOT NULL,
    id_number   TEXT NOT NULL REFERENCES persons (id_number),
    card_number TEXT NOT NULL,
    issued_at   TEXT NOT NULL,
    revoked_at  TEXT
);
CREATE INDEX ecards_by_person ON ecards (id_number);

CREATE TABLE cases (
    case_id         TEXT PRIMARY KEY NOT NULL,
    business        TEXT NOT NULL,
    id_number       TEXT,
    agent_id_number TEXT,
    started_at      TEXT NOT NULL,
    started_date    TEXT NOT NULL,
    finished_at     TEXT,
    finished_date   TEXT,
    outcome         TEXT CHECK (outcome IN ('completed', 'returned_incomplete', 'refused',
                        'abandoned', 'reconciled', 'failed')),
    deadline        TEXT,
    summary         TEXT NOT NULL
);
CREATE INDEX cases_by_start ON cases (started_date, business);

-- per kiosk and day: the last case number handed out (never reused)
CREATE TABLE case_seq (
    kiosk_id TEXT NOT NULL,
    day      TEXT NOT NULL,
    last     INTEGER NOT NULL,
    PRIMARY KEY (kiosk_id, day)
) WITHOUT ROWID;

CREATE TABLE intents (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id    TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('pending', 'applied', 'abandoned')),
    created_at TEXT NOT NULL,
    -- JSON of store::NewIntent (never a PIN)
    intent     TEXT NOT NULL,
    settled_at TEXT,
    reason     TEXT
);
CREATE INDEX intents_by_status ON intents (status, id);

-- The hash-chained audit log (store/audit_chain.rs). Append-only: rows are never updated
-- or deleted; the triggers refuse it, and verification finds it when they are bypassed.
CREATE TABLE audit (
    seq       INTEGER PRIMARY KEY NOT NULL,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    -- canonical JSON (sorted keys, no spaces)
    detail    TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only: entries cannot be changed');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only: entries cannot be deleted');
END;

CREATE TABLE archive_batches (
    month           TEXT PRIMARY KEY NOT NULL,
    sealed_at       TEXT NOT NULL,
    records         INTEGER NOT NULL,
    manifest_sha256 TEXT NOT NULL,
    -- the audit head the batch recorded
    audit_seq       INTEGER NOT NULL,
    audit_hash      TEXT NOT NULL,
    -- the audit entry that recorded the sealing
    seal_seq        INTEGER NOT NULL,
    seal_hash       TEXT NOT NULL
);
CREATE TRIGGER archive_batches_no_update BEFORE UPDATE ON archive_batches
BEGIN
    SELECT RAISE(ABORT, 'a sealed archive batch cannot be changed');
END;
CREATE TRIGGER archive_batches_no_delete BEFORE DELETE ON archive_batches
BEGIN
    SELECT RAISE(ABORT, 'a sealed archive batch cannot be deleted');
END;

CREATE TABLE archive_records (
    id            INTEGER PRIMARY KEY NOT NULL,
    archive_no    TEXT NOT NULL UNIQUE,
    case_id       TEXT NOT NULL UNIQUE,
    business      TEXT NOT NULL,
    id_number     TEXT NOT NULL,
    card_number   TEXT,
    finished_at   TEXT NOT NULL,
    finished_date TEXT NOT NULL,
    month         TEXT NOT NULL,
    year          INTEGER NOT NULL,
    item          INTEGER NOT NULL,
    retain_until  TEXT NOT NULL,
    sealed_in     TEXT REFERENCES archive_batches (month),
    -- JSON of the record, materials included (content in base64)
    record        TEXT NOT NULL
);
-- archive query (7.2): each filter leads an index that ends in finished_at, so "newest
-- first, at most N" walks one index backwards and stops early
CREATE INDEX archive_by_time ON archive_records (finished_at);
CREATE INDEX archive_by_person ON archive_records (id_number, finished_at);
CREATE INDEX archive_by_card ON archive_records (card_number, finished_at);
CREATE INDEX archive_by_business ON archive_records (business, finished_at);
CREATE INDEX archive_by_month ON archive_records (month, archive_no);

-- the last item number (件号) per fonds, year, retention and organisation
CREATE TABLE archive_seq (
    fonds        TEXT NOT NULL,
    year         INTEGER NOT NULL,
    retention    TEXT NOT NULL,
    organisation TEXT NOT NULL,
    last         INTEGER NOT NULL,
    PRIMARY KEY (fonds, year, retention, organisation)
) WITHOUT ROWID;

CREATE TABLE ratings (
    id      INTEGER PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL UNIQUE REFERENCES cases (case_id),
    level   INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    -- JSON array of strings
    reasons TEXT NOT NULL,
    comment TEXT,
    at      TEXT NOT NULL
);

CREATE TABLE suggestions (
    id      INTEGER PRIMARY KEY NOT NULL,
    at      TEXT NOT NULL,
    text    TEXT NOT NULL,
    case_id TEXT
);
CREATE INDEX suggestions_by_time ON suggestions (at);
