-- Version 3 (issues 22 and 19): staff calls from kiosks, and identity approvals that staff
-- decide at the agency. No personal data in clear: an approval holds the holder's ID number
-- masked (6 + 4 characters), as the audit log does.

-- 呼叫工作人员 pressed at a kiosk; open until a staff member answers it.
CREATE TABLE staff_calls (
    call_id     bigserial PRIMARY KEY,
    kiosk_id    text NOT NULL,
    at          timestamptz NOT NULL,
    case_id     text,
    screen      text,
    answered_by text,
    answered_at timestamptz
);
CREATE INDEX staff_calls_open ON staff_calls (at) WHERE answered_at IS NULL;

-- A kiosk's case whose identity a staff member must approve (the face match not possible);
-- the kiosk asks, staff decide, the kiosk reads the decision.
CREATE TABLE identity_approvals (
    case_id    text PRIMARY KEY,
    kiosk_id   text NOT NULL,
    business   text NOT NULL,
    id_masked  text,
    why        text NOT NULL,
    asked_at   timestamptz NOT NULL,
    state      text NOT NULL CHECK (state IN ('pending', 'approved', 'refused')),
    decided_by text,
    decided_at timestamptz
);
CREATE INDEX identity_approvals_pending ON identity_approvals (asked_at)
    WHERE state = 'pending';
