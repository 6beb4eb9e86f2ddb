-- Points for postcode districts and sectors, looked up once at postcodes.io
-- (or another base URL) and kept: the flood warnings near a group and the
-- planning applications in its radius are found from its point. No
-- personal data: a point per postcode district or sector.
CREATE TABLE geo_points (
    area       TEXT    PRIMARY KEY,
    lat        DOUBLE PRECISION,
    lon        DOUBLE PRECISION,
    -- the local authority, county and country names postcodes.io gives
    -- (JSON list), for alerts that name areas rather than postcodes
    names      TEXT    NOT NULL DEFAULT '[]',
    found      BIGINT NOT NULL CHECK (found IN (0, 1)),
    fetched_at BIGINT NOT NULL
);
