// The store: one SQLite file (WAL) holding the feature cache, the job journal and device timings, opened
// and migrated in one place. Tests open it on ':memory:'.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DeviceTimings } from './deviceTimings';
import { SqliteFeatureCache } from './featureCacheSqlite';
import type { FeatureCodec } from './featureBlob';
import { JobJournal } from './jobJournal';
import { migrate } from './migrations';
import { openSqlite, type SqliteDatabase } from './sqlite';

export interface Store {
  readonly path: string;
  readonly cache: SqliteFeatureCache;
  readonly journal: JobJournal;
  readonly timings: DeviceTimings;
  close(): void;
}

/** $SATDIFUSER_STORE, else the user cache folder (XDG on Linux, LOCALAPPDATA on Windows, Library/Caches on macOS). */
export function defaultStorePath(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.SATDIFUSER_STORE) return env.SATDIFUSER_STORE;
  const home = homedir();
  const base =
    platform === 'win32'
      ? (env.LOCALAPPDATA ?? join(home, 'AppData', 'Local'))
      : platform === 'darwin'
        ? join(home, 'Library', 'Caches')
        : (env.XDG_CACHE_HOME ?? join(home, '.cache'));
  return join(base, 'satdifuser', 'store.sqlite');
}

export interface OpenStoreOptions {
  readonly codec?: FeatureCodec;
  readonly now?: () => number;
}

export function openStore(path: string = defaultStorePath(), opts: OpenStoreOptions = {}): Store {
  // A new file frees pages incrementally: a finished job's journal (GBs for a large scene) gives its space back
  // (JobJournal.dropPayloads) without a full VACUUM.
  const db: SqliteDatabase = openSqlite(path, { incrementalVacuum: true });
  try {
    // A cached tile is a ~2 MB blob over ~500 overflow pages: through the page cache that is one pread per
    // page (measured 3 ms a tile), memory-mapped a copy (0.9 ms). Pages still in the WAL are read as before.
    if (path !== ':memory:') db.pragma(`mmap_size = ${1024 ** 3}`);
    migrate(db);
  } catch (e) {
    db.close();
    throw e;
  }
  return {
    path,
    cache: new SqliteFeatureCache(db, { codec: opts.codec, now: opts.now, path: path === ':memory:' ? null : path }),
    journal: new JobJournal(db, opts.now),
    timings: new DeviceTimings(db, opts.now),
    close() {
      if (db.open) db.close();
    },
  };
}
