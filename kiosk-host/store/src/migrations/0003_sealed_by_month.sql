-- A record is sealed when its month is (archive_batches): the commit path already refuses a
-- record for a sealed month, so the per-record sealed_in column said nothing the month did
-- not. Marking it cost the sealing an UPDATE of every record of the month, and each row
-- carries its materials, so that rewrote the month's whole archive in the database (5 s of
-- a 100 000-case month's seal; BENCHMARKS.md). The table is rebuilt without the column
-- (SQLite cannot drop a column that has a foreign key) and archive records become
-- append-only, like the audit log and the batches.
CREATE TABLE archive_records_v3 (
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
    -- JSON of the record, materials included (content in base64)
    record        TEXT NOT NULL
);
INSERT INTO archive_records_v3 (id, archive_no, case_id, business, id_number, card_number,
                                finished_at, finished_date, month, year, item, retain_until,
                                record)
    SELECT id, archive_no, case_id, business, id_number, card_number, finished_at,
           finished_date, month, year, item, retain_until, record
    FROM archive_records;
DROP TABLE archive_records;
ALTER TABLE archive_records_v3 RENAME TO archive_records;
-- archive query (7.2): each filter leads an index that ends in finished_at, so "newest
-- first, at most N" walks one index backwards and stops early
CREATE INDEX archive_by_time ON archive_records (finished_at);
CREATE INDEX archive_by_person ON archive_records (id_number, finished_at);
CREATE INDEX archive_by_card ON archive_records (card_number, finished_at);
CREATE INDEX archive_by_business ON archive_records (business, finished_at);
CREATE INDEX archive_by_month ON archive_records (month, archive_no);
CREATE TRIGGER archive_records_no_update BEFORE UPDATE ON archive_records
BEGIN
    SELECT RAISE(ABORT, 'an archive record cannot be changed');
END;
CREATE TRIGGER archive_records_no_delete BEFORE DELETE ON archive_records
BEGIN
    SELECT RAISE(ABORT, 'an archive record cannot be deleted');
END;
