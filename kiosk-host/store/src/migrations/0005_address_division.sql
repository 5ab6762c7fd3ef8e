-- The structured address: the GB/T 2260 division (a county's 6 or a town's 9 digits) the
-- written-out `address` lies in, when it was picked at the kiosk (信息变更); NULL when the
-- address came whole (an ID card, typed in full) and for every row written before. The
-- address string stays what receipts and screens show.
ALTER TABLE persons ADD COLUMN address_division TEXT
    CHECK (address_division IS NULL
           OR (length(address_division) IN (6, 9)
               AND address_division NOT GLOB '*[^0-9]*'));
