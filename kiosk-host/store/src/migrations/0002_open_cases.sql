-- Cases without an outcome: a session in progress, or one a stopped kiosk or a full disk left
-- open. The kiosk looks for them at every session start (Engine::close_left_open); without
-- this index that look read the whole cases table, which only grows. Partial: it holds only
-- the few open cases.
CREATE INDEX cases_open ON cases (started_at, case_id) WHERE outcome IS NULL;
