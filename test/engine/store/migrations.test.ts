// Each numbered migration gets its own test on an in-memory database: it applies on top of the previous
// version, creates what later code relies on, and keeps the rows written before it.
import { afterEach, describe, expect, it } from 'vitest';
import { latestVersion, migrate, migrations, schemaVersion } from '../../../src/engine/store/migrations';
import { openSqlite, type SqliteDatabase } from '../../../src/engine/store/sqlite';

let db: SqliteDatabase;
afterEach(() => db?.close());

const tables = (d: SqliteDatabase) => (d.prepare("SELECT name FROM sqlite_master WHERE type IN ('table','index') ORDER BY name").all() as { name: string }[]).map((r) => r.name);
const columns = (d: SqliteDatabase, t: string) => (d.prepare(`PRAGMA table_info(${t})`).all() as { name: string }[]).map((r) => r.name);

describe('migrations', () => {
  it('are numbered 1..n without gaps', () => {
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
    expect(latestVersion).toBe(migrations.length);
  });

  it('001 creates the feature cache with its LRU index and settings', () => {
    db = openSqlite(':memory:');
    expect(migrate(db, 1)).toBe(1);
    expect(tables(db)).toEqual(expect.arrayContaining(['feature_cache', 'feature_cache_lru', 'store_settings']));
    expect(columns(db, 'feature_cache')).toEqual(['key', 'backbone', 'tensors', 'codec', 'raw_bytes', 'stored_bytes', 'checksum', 'data', 'created_at', 'last_used_at']);
  });

  it('002 adds the window index and counters, keeping cache rows', () => {
    db = openSqlite(':memory:');
    migrate(db, 1);
    db.prepare("INSERT INTO feature_cache VALUES ('k','b','[]','fp16',0,0,0,x'',1,1)").run();
    expect(migrate(db, 2)).toBe(2);
    expect(tables(db)).toEqual(expect.arrayContaining(['feature_window_index', 'store_counters']));
    expect(db.prepare('SELECT name, value FROM store_counters ORDER BY name').all()).toEqual([{ name: 'corrupt_dropped', value: 0 }, { name: 'evicted', value: 0 }]);
    expect(db.prepare('SELECT COUNT(*) AS n FROM feature_cache').get()).toEqual({ n: 1 });
  });

  it('003 adds the job journal with cascading units and state', () => {
    db = openSqlite(':memory:');
    migrate(db, 2);
    expect(migrate(db, 3)).toBe(3);
    db.prepare("INSERT INTO jobs(id, kind, params_hash, params, status, total_units, created_at, updated_at) VALUES ('j','segment','h','{}','running',4,1,1)").run();
    db.prepare("INSERT INTO job_units VALUES ('j', 0, NULL, 0, 1)").run();
    db.prepare("INSERT INTO job_state VALUES ('j', 'band', x'00', 0)").run();
    expect(() => db.prepare("INSERT INTO jobs(id, kind, params_hash, params, status, total_units, created_at, updated_at) VALUES ('k','segment','h','{}','bogus',4,1,1)").run()).toThrow(/CHECK/);
    db.prepare("DELETE FROM jobs WHERE id = 'j'").run();
    expect(db.prepare('SELECT COUNT(*) AS n FROM job_units').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT COUNT(*) AS n FROM job_state').get()).toEqual({ n: 0 });
  });

  it('004 adds device timings', () => {
    db = openSqlite(':memory:');
    migrate(db, 3);
    expect(migrate(db, 4)).toBe(4);
    expect(columns(db, 'device_timings')).toEqual(['model', 'device', 'phase', 'seconds', 'samples', 'updated_at']);
  });

  it('is idempotent and refuses a database from a newer program', () => {
    db = openSqlite(':memory:');
    migrate(db);
    expect(migrate(db)).toBe(latestVersion);
    db.pragma(`user_version = ${latestVersion + 1}`);
    expect(() => migrate(db)).toThrow(/newer than this program/);
    expect(schemaVersion(db)).toBe(latestVersion + 1);
  });

  it('a failing migration leaves the database at the previous whole version', () => {
    db = openSqlite(':memory:');
    const broken = [...migrations.slice(0, 2), { version: 3, name: 'broken', up: (d: SqliteDatabase) => { d.exec('CREATE TABLE half_done(x)'); throw new Error('boom'); } }];
    expect(() => migrate(db, 3, broken)).toThrow('boom');
    expect(schemaVersion(db)).toBe(2);
    expect(tables(db)).not.toContain('half_done');
  });
});
