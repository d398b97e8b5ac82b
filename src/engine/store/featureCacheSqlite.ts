// The feature cache in the store's SQLite file (WAL): many reader processes, one writer at a time, and a
// put is one transaction, so a process killed mid-write leaves the previous state, never half a row.
import { statSync } from 'node:fs';
import { decodeFeatures, encodeFeatures, type FeatureCodec, type TensorMeta } from './featureBlob';
import { DEFAULT_CACHE_CAP_BYTES, type FeatureBuffer, type FeatureCache, type FeatureCacheStats, type FeatureSet, type PutOptions } from './featureCache';
import { isBusy, type SqliteDatabase } from './sqlite';

interface Row {
  tensors: string;
  codec: string;
  raw_bytes: number;
  stored_bytes: number;
  checksum: number;
  data: Buffer;
}

export interface SqliteFeatureCacheOptions {
  readonly codec?: FeatureCodec;
  /** Wall clock in ms; injectable so LRU order is testable. */
  readonly now?: () => number;
  /** Path of the database file, for `stats().fileBytes`. */
  readonly path?: string | null;
}

// Statements compiled once per cache: a warm tile is a handful of statements, and compiling SQL each time
// cost as much as running them.
function statements(db: SqliteDatabase) {
  return {
    get: db.prepare('SELECT tensors, codec, raw_bytes, stored_bytes, checksum, data FROM feature_cache WHERE key = ?'),
    has: db.prepare('SELECT 1 FROM feature_cache WHERE key = ?'),
    touch: db.prepare('UPDATE feature_cache_use SET last_used_at = ? WHERE key = ?'),
    use: db.prepare('INSERT OR REPLACE INTO feature_cache_use(key, last_used_at) VALUES (?, ?)'),
    lookupWindow: db.prepare('SELECT key FROM feature_window_index WHERE source = ? AND win = ? AND settings = ?'),
    indexWindow: db.prepare('INSERT OR REPLACE INTO feature_window_index(source, win, settings, key) VALUES (?, ?, ?, ?)'),
  };
}

export class SqliteFeatureCache implements FeatureCache {
  private hits = 0;
  private misses = 0;
  private readonly codec: FeatureCodec;
  private readonly now: () => number;
  private lastStamp = 0;

  constructor(private readonly db: SqliteDatabase, opts: SqliteFeatureCacheOptions = {}) {
    this.codec = opts.codec ?? 'fp16';
    this.now = opts.now ?? Date.now;
    this.path = opts.path ?? null;
    this.sql = statements(db);
  }

  private readonly sql: ReturnType<typeof statements>;

  private readonly path: string | null;

  /** Strictly increasing use stamps within this process, so two touches in one ms keep their order. */
  private stamp(): number {
    this.lastStamp = Math.max(this.now(), this.lastStamp + 1);
    return this.lastStamp;
  }

  get(key: string, into?: FeatureBuffer): FeatureSet | null {
    const row = this.sql.get.get(key) as Row | undefined;
    if (!row) {
      this.misses++;
      return null;
    }
    let tensors: TensorMeta[] | null;
    try {
      tensors = JSON.parse(row.tensors) as TensorMeta[];
      if (!Array.isArray(tensors) || !tensors.every((t) => Array.isArray(t?.shape))) tensors = null;
    } catch {
      tensors = null;
    }
    const set = tensors && row.data.length === row.stored_bytes ? decodeFeatures(tensors, row.codec, row.raw_bytes, row.data, row.checksum, into) : null;
    if (!set) {
      this.dropCorrupt(key);
      this.misses++;
      return null;
    }
    this.hits++;
    this.touch(key);
    return set;
  }

  has(key: string): boolean {
    return this.sql.has.get(key) !== undefined;
  }

  put(key: string, features: FeatureSet, opts: PutOptions): void {
    const enc = encodeFeatures(features, this.codec);
    const t = this.stamp();
    const cap = this.capBytes();
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO feature_cache(key, backbone, tensors, codec, raw_bytes, stored_bytes, checksum, data, created_at, last_used_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(key) DO UPDATE SET backbone=excluded.backbone, tensors=excluded.tensors, codec=excluded.codec,
             raw_bytes=excluded.raw_bytes, stored_bytes=excluded.stored_bytes, checksum=excluded.checksum, data=excluded.data,
             last_used_at=excluded.last_used_at`,
        )
        .run(key, opts.backbone, JSON.stringify(enc.tensors), enc.codec, enc.rawBytes, enc.data.length, enc.checksum, enc.data, t, t);
      this.sql.use.run(key, t);
      this.evictBeyond(cap, key);
    }).immediate();
  }

  indexWindow(source: string, window: string, settings: string, key: string): void {
    // A re-run finds the same key: reading first spares a write transaction per tile.
    if (this.lookupWindow(source, window, settings) !== key) this.sql.indexWindow.run(source, window, settings, key);
  }

  lookupWindow(source: string, window: string, settings: string): string | null {
    const r = this.sql.lookupWindow.get(source, window, settings) as { key: string } | undefined;
    return r?.key ?? null;
  }

  setCapBytes(bytes: number): void {
    if (!(bytes >= 0) || !Number.isFinite(bytes)) throw new RangeError(`cache cap must be a finite number of bytes ≥ 0, got ${bytes}`);
    this.db.transaction(() => {
      this.db.prepare("INSERT OR REPLACE INTO store_settings(name, value) VALUES ('cache_cap_bytes', ?)").run(String(Math.floor(bytes)));
      this.evictBeyond(Math.floor(bytes), null);
    }).immediate();
  }

  capBytes(): number {
    const r = this.db.prepare("SELECT value FROM store_settings WHERE name = 'cache_cap_bytes'").get() as { value: string } | undefined;
    return r ? Number(r.value) : DEFAULT_CACHE_CAP_BYTES;
  }

  stats(): FeatureCacheStats {
    const total = this.db.prepare('SELECT COUNT(*) AS n, COALESCE(SUM(stored_bytes), 0) AS b FROM feature_cache').get() as { n: number; b: number };
    const by = this.db.prepare('SELECT backbone, COUNT(*) AS n, SUM(stored_bytes) AS b FROM feature_cache GROUP BY backbone ORDER BY backbone').all() as { backbone: string; n: number; b: number }[];
    const counter = (name: string) => (this.db.prepare('SELECT value FROM store_counters WHERE name = ?').get(name) as { value: number } | undefined)?.value ?? 0;
    let fileBytes: number | null = null;
    if (this.path) {
      fileBytes = 0;
      for (const suffix of ['', '-wal', '-shm']) {
        try {
          fileBytes += statSync(this.path + suffix).size;
        } catch {
          // a missing -wal/-shm file is normal after a clean close
        }
      }
    }
    return {
      entries: total.n,
      bytes: total.b,
      capBytes: this.capBytes(),
      hits: this.hits,
      misses: this.misses,
      corruptDropped: counter('corrupt_dropped'),
      evicted: counter('evicted'),
      byBackbone: by.map((r) => ({ backbone: r.backbone, entries: r.n, bytes: r.b })),
      fileBytes,
      path: this.path,
    };
  }

  clear(backbone?: string): number {
    return this.db.transaction(() => {
      const r = backbone === undefined ? this.db.prepare('DELETE FROM feature_cache').run() : this.db.prepare('DELETE FROM feature_cache WHERE backbone = ?').run(backbone);
      if (backbone === undefined) this.db.prepare('DELETE FROM feature_window_index').run();
      return r.changes;
    }).immediate();
  }

  /** Gives the freed pages back to the file system (the file does not shrink on DELETE alone). */
  vacuum(): void {
    this.db.exec('VACUUM');
  }

  close(): void {
    // The database belongs to the store; closing the cache alone is a no-op.
  }

  private touch(key: string): void {
    try {
      this.sql.touch.run(this.stamp(), key);
    } catch (e) {
      // A reader must not fail because a writer holds the lock: the LRU order is only a hint.
      if (!isBusy(e)) throw e;
    }
  }

  private dropCorrupt(key: string): void {
    try {
      this.db.transaction(() => {
        if (this.db.prepare('DELETE FROM feature_cache WHERE key = ?').run(key).changes > 0) {
          this.db.prepare("UPDATE store_counters SET value = value + 1 WHERE name = 'corrupt_dropped'").run();
        }
      }).immediate();
    } catch (e) {
      if (!isBusy(e)) throw e;
    }
  }

  /** Deletes least-recently-used rows until the stored bytes fit the cap; `keep` (the row just put) goes last. */
  private evictBeyond(cap: number, keep: string | null): void {
    let { b: total } = this.db.prepare('SELECT COALESCE(SUM(stored_bytes), 0) AS b FROM feature_cache').get() as { b: number };
    if (total <= cap) return;
    const victims = this.db
      .prepare('SELECT f.key, f.stored_bytes FROM feature_cache f LEFT JOIN feature_cache_use u ON u.key = f.key ORDER BY (f.key = ?) ASC, COALESCE(u.last_used_at, f.last_used_at) ASC')
      .iterate(keep ?? '') as Iterable<{ key: string; stored_bytes: number }>;
    const doomed: string[] = [];
    for (const v of victims) {
      if (total <= cap) break;
      doomed.push(v.key);
      total -= v.stored_bytes;
    }
    const del = this.db.prepare('DELETE FROM feature_cache WHERE key = ?');
    for (const k of doomed) del.run(k);
    this.db.prepare("UPDATE store_counters SET value = value + ? WHERE name = 'evicted'").run(doomed.length);
  }
}
