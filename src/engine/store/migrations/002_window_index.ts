import type { Migration } from '../migrations';

// The cache key needs the pixels' content hash, which needs a read. To estimate cache hits before a job
// starts without reading the raster, this index maps (raster fingerprint, window, settings) to the key the
// last run computed. Counters persist what a user wants to see in `cache stats` across runs.
export const migration002WindowIndex: Migration = {
  version: 2,
  name: 'feature window index and cache counters',
  up(db) {
    db.exec(`
      CREATE TABLE feature_window_index (
        source    TEXT NOT NULL,
        win       TEXT NOT NULL,
        settings  TEXT NOT NULL,
        key       TEXT NOT NULL,
        PRIMARY KEY (source, win, settings)
      ) WITHOUT ROWID;
      CREATE TABLE store_counters (
        name   TEXT PRIMARY KEY,
        value  INTEGER NOT NULL
      ) WITHOUT ROWID;
      INSERT INTO store_counters(name, value) VALUES ('evicted', 0), ('corrupt_dropped', 0);
    `);
  },
};
