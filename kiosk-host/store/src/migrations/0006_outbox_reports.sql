-- The outbox also carries card-command outcome reports for the agency's audit log
-- (`kind` 'card_outcome': `request` is the report's JSON, there is no local part). They are
-- keyed from the same per-case counter as the case's commits, so a key is never used twice
-- at the agency, and delivered in the same `id` order, after the commit they follow.
ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT 'commit'
    CHECK (kind IN ('commit', 'card_outcome'));
