-- Issue 17 items 2 and 6: the production's own dates of an application.
-- `ready_at`: when its card was made (the move to 'ready_for_pickup', or to 'collected' when
-- that came first), RFC 3339 UTC; the production's on-time figure compares its local date
-- (UTC+8) with `deadline`. `deadline_recomputed_from`: the deadline before its last
-- recompute with the calendar (Change::SetDeadline), shown to staff. Existing rows: NULL.
ALTER TABLE applications ADD COLUMN ready_at TEXT;
ALTER TABLE applications ADD COLUMN deadline_recomputed_from TEXT;
CREATE INDEX applications_by_deadline ON applications (deadline);
