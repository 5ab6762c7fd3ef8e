-- The agency's registry of record, version 1.
--
-- Personal data never reach PostgreSQL in clear: the agency seals them (AES-256-GCM, the
-- `sealed`/`*_sealed` columns) and finds them through keyed blind indexes (HMAC-SHA256, the
-- `*_index` columns); see src/crypto.rs. In clear are what queries and locks need and what
-- says nothing about a person: internal row ids, chip serials, states and progress, dates of
-- cards and applications, instants, kiosk ids, case ids, business codes.

-- Cardholders. `sealed`: JSON of kiosk_core::domain::Person.
CREATE TABLE persons (
    person_id  bigserial PRIMARY KEY,
    id_index   bytea NOT NULL UNIQUE,
    sealed     bytea NOT NULL,
    updated_at timestamptz NOT NULL
);

-- Card photos. `sealed`: the JPEG.
CREATE TABLE photos (
    person_id bigint PRIMARY KEY REFERENCES persons (person_id),
    sealed    bytea NOT NULL,
    at        timestamptz NOT NULL
);

-- Card records. `card_sealed`: JSON {"card_number", "id_number"}; the newest card of a
-- person has the highest card_id.
CREATE TABLE cards (
    card_id               bigserial PRIMARY KEY,
    card_index            bytea NOT NULL UNIQUE,
    card_sealed           bytea NOT NULL,
    person_id             bigint NOT NULL REFERENCES persons (person_id),
    chip_serial           text,
    state                 text NOT NULL CHECK (state IN ('in_production', 'issued', 'active',
                              'lost_temporary', 'lost_formal', 'cancelled')),
    state_since           timestamptz NOT NULL,
    issue_date            date,
    expiry_date           date,
    reissue_batch         text,
    replacement_requested boolean NOT NULL DEFAULT false,
    -- the card generation a production file gave (1..3), when it was imported from one
    generation            smallint CHECK (generation BETWEEN 1 AND 3)
);
CREATE INDEX cards_by_person ON cards (person_id, card_id);
CREATE INDEX cards_by_chip ON cards (chip_serial, card_id);
CREATE INDEX cards_by_state ON cards (state, state_since, card_id);

-- Applications for a new card. `sealed`: JSON {"id_number", "old_card", "reasons"}.
CREATE TABLE applications (
    case_id              text PRIMARY KEY,
    person_id            bigint NOT NULL REFERENCES persons (person_id),
    business             text NOT NULL,
    progress             text NOT NULL CHECK (progress IN ('submitted', 'accepted',
                             'in_production', 'ready_for_pickup', 'collected', 'rejected')),
    submitted_at         timestamptz NOT NULL,
    deadline             date NOT NULL,
    deadline_provisional boolean NOT NULL,
    sealed               bytea NOT NULL,
    -- who moved it last, and when (the audit log holds every step)
    progress_at          timestamptz NOT NULL,
    progress_by          text NOT NULL
);
CREATE INDEX applications_by_person ON applications (person_id, submitted_at);
CREATE INDEX applications_by_progress ON applications (progress, submitted_at);

-- E-cards. `card_sealed`: JSON {"card_number", "id_number"}.
CREATE TABLE ecards (
    token_id    text PRIMARY KEY,
    person_id   bigint NOT NULL REFERENCES persons (person_id),
    card_sealed bytea NOT NULL,
    issued_at   timestamptz NOT NULL,
    revoked_at  timestamptz
);
CREATE INDEX ecards_by_person ON ecards (person_id, issued_at);

-- Enrolled kiosks: the serial (hex) of the one certificate each may use. A request is
-- served only when its client certificate's CN and serial match a row not revoked.
CREATE TABLE kiosks (
    kiosk_id    text PRIMARY KEY,
    serial      text NOT NULL,
    not_after   timestamptz NOT NULL,
    enrolled_at timestamptz NOT NULL,
    revoked_at  timestamptz
);

-- Cases (办件), each handled by one kiosk. `sealed`: JSON {"id_number", "agent_id_number"}.
CREATE TABLE cases (
    case_id     text PRIMARY KEY,
    kiosk_id    text NOT NULL,
    business    text NOT NULL,
    sealed      bytea NOT NULL,
    started_at  timestamptz NOT NULL,
    finished_at timestamptz,
    outcome     text CHECK (outcome IN ('completed', 'returned_incomplete', 'refused',
                    'abandoned', 'reconciled', 'failed')),
    deadline    date,
    summary     text NOT NULL
);
CREATE INDEX cases_open ON cases (kiosk_id, started_at) WHERE outcome IS NULL;

-- per kiosk and day: the last case number handed out (never reused)
CREATE TABLE case_seq (
    kiosk_id text NOT NULL,
    day      date NOT NULL,
    last     integer NOT NULL,
    PRIMARY KEY (kiosk_id, day)
);

-- Leases: a case holds cards and persons (their blind indexes) until it commits, releases
-- or the lease expires. An item is in at most one lease row; expired leases are removed by
-- the next reservation that meets them.
CREATE TABLE leases (
    case_id    text PRIMARY KEY,
    kiosk_id   text NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE TABLE lease_items (
    item    bytea PRIMARY KEY,
    case_id text NOT NULL REFERENCES leases (case_id) ON DELETE CASCADE
);
CREATE INDEX lease_items_by_case ON lease_items (case_id);

-- Idempotency keys: the answer stored with the change it answers, in one transaction.
CREATE TABLE idempotency (
    key            text PRIMARY KEY,
    kiosk_id       text NOT NULL,
    -- SHA-256 (hex) of the request's canonical JSON
    request_sha256 text NOT NULL,
    answer         text,
    at             timestamptz NOT NULL
);

-- Staff accounts (argon2id PHC strings) and their roles.
CREATE TABLE staff (
    user_name     text PRIMARY KEY,
    password_hash text NOT NULL,
    roles         text[] NOT NULL,
    created_at    timestamptz NOT NULL,
    disabled_at   timestamptz
);

-- The hash-chained audit log (kiosk_core::store::audit_chain: the kiosk's encoding and
-- verifier). `at` is the chain's text form (nine fraction digits), `detail` canonical JSON:
-- both are hashed as stored. Append-only: the triggers refuse changes, and verification
-- finds them when the triggers are bypassed.
CREATE TABLE audit (
    seq       bigint PRIMARY KEY,
    at        text NOT NULL,
    actor     text NOT NULL,
    action    text NOT NULL,
    subject   text NOT NULL,
    detail    text NOT NULL,
    prev_hash text NOT NULL,
    hash      text NOT NULL
);
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: entries cannot be changed or deleted';
END;
$$;
CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

-- The chain's head: appends lock this row (so they are serialised) and move it in the same
-- transaction as the change they record. Verification also checks the log still reaches it.
CREATE TABLE audit_head (
    id   smallint PRIMARY KEY CHECK (id = 1),
    seq  bigint NOT NULL,
    hash text NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
