// Numbered, forward-only schema migrations. PRAGMA user_version holds the number of the last one applied;
// each migration runs in its own transaction, so a crash leaves the database at a whole version.
import { SatError } from '../../shared/errors';
import type { SqliteDatabase } from './sqlite';
import { migration001FeatureCache } from './migrations/001_feature_cache';
import { migration002WindowIndex } from './migrations/002_window_index';
import { migration003JobJournal } from './migrations/003_job_journal';
import { migration004DeviceTimings } from './migrations/004_device_timings';
import { migration005FeatureCacheUse } from './migrations/005_feature_cache_use';

export interface Migration {
  readonly version: number;
  readonly name: string;
  up(db: SqliteDatabase): void;
}

export const migrations: readonly Migration[] = [
  migration001FeatureCache,
  migration002WindowIndex,
  migration003JobJournal,
  migration004DeviceTimings,
  migration005FeatureCacheUse,
];

export const latestVersion = migrations[migrations.length - 1].version;

export function schemaVersion(db: SqliteDatabase): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Applies every migration above the database's version, up to `target` (default: all). */
export function migrate(db: SqliteDatabase, target = latestVersion, list: readonly Migration[] = migrations): number {
  const current = schemaVersion(db);
  if (current > latestVersion && list === migrations) {
    throw new SatError('MODEL_MISMATCH', `The store database is at schema version ${current}, newer than this program (${latestVersion}).`, {
      hint: 'Update SatDiFuser Studio, or point it at another store folder (SATDIFUSER_STORE).',
      details: { current, latest: latestVersion },
    });
  }
  for (const m of list) {
    if (m.version <= current || m.version > target) continue;
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
  return schemaVersion(db);
}
