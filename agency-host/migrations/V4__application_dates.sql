-- Version 4 (issue 17 items 2 and 6): the production's own dates of an application.
-- `ready_at`: when its card was made (the move to 'ready_for_pickup', or to 'collected' when
-- that came first); the production's on-time figure compares its kiosk-local date (UTC+8)
-- with `deadline`. `deadline_recomputed_from`: the deadline before its last recompute with
-- the calendar (SetDeadline), shown to staff. Existing rows: NULL. Neither is personal data.
ALTER TABLE applications
    ADD COLUMN ready_at timestamptz,
    ADD COLUMN deadline_recomputed_from date;
CREATE INDEX applications_by_deadline ON applications (deadline);
