-- The outbox of a kiosk that has an agency: registry commits bound for the agency, each with
-- its idempotency key `<case_id>#<n>` (n counts the case's commits from 1), delivered in `id`
-- order, exactly once (the agency stores key → answer). `request` is the commit's JSON
-- (NULL once delivered: the kiosk keeps no registry data it does not need); `local` is the
-- part of the commit that stays at the kiosk (case row, archive record, intent settlement),
-- applied in the same transaction that marks the row delivered, or at once when the card
-- command already ran (then NULL).
CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    key          TEXT NOT NULL UNIQUE,
    case_id      TEXT NOT NULL,
    request      TEXT,
    local        TEXT,
    created_at   TEXT NOT NULL,
    state        TEXT NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'delivered', 'refused')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    delivered_at TEXT
);
CREATE INDEX outbox_case ON outbox (case_id);
CREATE INDEX outbox_pending ON outbox (id) WHERE state = 'pending';
