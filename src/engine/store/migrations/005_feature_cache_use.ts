import type { Migration } from '../migrations';

// The LRU stamp moves out of the feature row into a small table of its own. SQLite rewrites a whole record
// on UPDATE, blob overflow pages included, so stamping `feature_cache.last_used_at` on every hit wrote the
// tile's ~2 MB of features again (measured: 4 ms a hit, more than reading it). `feature_cache.last_used_at`
// stays as the time the row was written. A trigger keeps the two tables in step whatever deletes a feature
// row (eviction, corruption, clear).
export const migration005FeatureCacheUse: Migration = {
  version: 5,
  name: 'feature cache use stamps',
  up(db) {
    db.exec(`
      CREATE TABLE feature_cache_use (
        key           TEXT PRIMARY KEY,
        last_used_at  INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX feature_cache_use_lru ON feature_cache_use(last_used_at);
      INSERT INTO feature_cache_use(key, last_used_at) SELECT key, last_used_at FROM feature_cache;
      DROP INDEX feature_cache_lru;
      CREATE TRIGGER feature_cache_use_drop AFTER DELETE ON feature_cache
      BEGIN
        DELETE FROM feature_cache_use WHERE key = old.key;
      END;
    `);
  },
};
