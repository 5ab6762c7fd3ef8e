-- Version 2 (issue 16): one audit chain per actor instead of one for the whole agency, so
-- that commits of different kiosks no longer queue on one head row.
--
-- `chain` names the chain an entry belongs to; `seq` counts from 1 within it, and each
-- chain starts from the genesis hash. The chain of an entry follows from its (hashed)
-- actor: `kiosk:<id>` and `staff:<user>@kiosk:<id>` → `kiosk:<id>`; any other actor
-- (`system`, `staff:<user>`) → itself. The entries written before this version keep their
-- one chain, named `v1` (closed: nothing is appended to it any more).
ALTER TABLE audit ADD COLUMN chain text NOT NULL DEFAULT 'v1';
ALTER TABLE audit ALTER COLUMN chain DROP DEFAULT;
ALTER TABLE audit DROP CONSTRAINT audit_pkey;
ALTER TABLE audit ADD PRIMARY KEY (chain, seq);

-- One head per chain: appends lock their chain's row and move it in the same transaction
-- as the change they record; verification checks each chain still reaches its head.
-- `audit.checkpoint` entries (chain `system`) record every head from time to time, so that
-- removing a chain's newest entries and moving its head row back is found as well.
CREATE TABLE audit_heads (
    chain text PRIMARY KEY,
    seq   bigint NOT NULL,
    hash  text NOT NULL
);
INSERT INTO audit_heads (chain, seq, hash) SELECT 'v1', seq, hash FROM audit_head WHERE seq > 0;
DROP TABLE audit_head;
