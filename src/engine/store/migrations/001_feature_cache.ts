import type { Migration } from '../migrations';

// One row per tile's features. `data` holds the fp16 tensors (optionally deflated); `checksum` is the CRC-32
// of `data` as stored, so a torn or bit-rotted blob is detected before it is decoded.
export const migration001FeatureCache: Migration = {
  version: 1,
  name: 'feature cache',
  up(db) {
    db.exec(`
      CREATE TABLE feature_cache (
        key           TEXT PRIMARY KEY,
        backbone      TEXT NOT NULL,
        tensors       TEXT NOT NULL,
        codec         TEXT NOT NULL,
        raw_bytes     INTEGER NOT NULL,
        stored_bytes  INTEGER NOT NULL,
        checksum      INTEGER NOT NULL,
        data          BLOB NOT NULL,
        created_at    INTEGER NOT NULL,
        last_used_at  INTEGER NOT NULL
      );
      CREATE INDEX feature_cache_lru ON feature_cache(last_used_at);
      CREATE TABLE store_settings (
        name  TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `);
  },
};
