// A cache hit stamps its use in a small side table: SQLite rewrites a whole record on UPDATE, so stamping the
// feature row itself copied megabytes into the WAL on every read. And blobs decode at any byte offset.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeFeatures, encodeFeatures } from '../../../src/engine/store/featureBlob';
import { migrate } from '../../../src/engine/store/migrations';
import { openSqlite, type SqliteDatabase } from '../../../src/engine/store/sqlite';
import { openStore, type Store } from '../../../src/engine/store/store';
import { syntheticFeatures } from './fixtures/features';

let cleanup: (() => void)[] = [];
afterEach(() => {
  cleanup.forEach((f) => f());
  cleanup = [];
});

describe('feature cache use stamps', () => {
  it('005 moves the stamps to feature_cache_use, keeps them, and follows deletes', () => {
    const db: SqliteDatabase = openSqlite(':memory:');
    cleanup.push(() => db.close());
    migrate(db, 4);
    db.prepare("INSERT INTO feature_cache VALUES ('k1','b','[]','fp16',0,0,0,x'',1,7), ('k2','b','[]','fp16',0,0,0,x'',1,9)").run();
    expect(migrate(db, 5)).toBe(5);
    expect(db.prepare('SELECT key, last_used_at FROM feature_cache_use ORDER BY key').all()).toEqual([{ key: 'k1', last_used_at: 7 }, { key: 'k2', last_used_at: 9 }]);
    db.prepare("DELETE FROM feature_cache WHERE key = 'k1'").run();
    expect(db.prepare('SELECT key FROM feature_cache_use').all()).toEqual([{ key: 'k2' }]);
    db.prepare('DELETE FROM feature_cache').run();
    expect(db.prepare('SELECT COUNT(*) AS n FROM feature_cache_use').get()).toEqual({ n: 0 });
  });

  it('a hit stamps the side table and writes kilobytes, not the blob, to the WAL', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sdf-use-'));
    let clock = 100;
    const s: Store = openStore(join(dir, 'store.sqlite'), { now: () => clock });
    cleanup.push(() => {
      s.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const f = syntheticFeatures(1, 64); // 2 MB of fp16
    s.cache.put('big', f, { backbone: 'bb' });
    const db = (s.cache as unknown as { db: SqliteDatabase }).db;
    db.pragma('wal_checkpoint(TRUNCATE)');
    const walBytes = () => statSync(join(dir, 'store.sqlite-wal')).size;
    expect(walBytes()).toBe(0);
    for (let i = 0; i < 5; i++) {
      clock += 1000;
      expect(s.cache.get('big')).not.toBeNull();
    }
    expect(walBytes()).toBeLessThan(100_000); // stamping the feature row itself: 1.9 MB (measured)
    expect(db.prepare("SELECT last_used_at FROM feature_cache_use WHERE key = 'big'").get()).toEqual({ last_used_at: 5100 });
  });
});

describe('feature blobs', () => {
  it('decode the same at an odd byte offset (a view needs an even one: copied then)', () => {
    const f = syntheticFeatures(2);
    const enc = encodeFeatures(f, 'fp16');
    const even = decodeFeatures(enc.tensors, enc.codec, enc.rawBytes, Buffer.from(enc.data), enc.checksum)!;
    const padded = Buffer.alloc(enc.data.length + 1);
    enc.data.copy(padded, 1);
    const odd = decodeFeatures(enc.tensors, enc.codec, enc.rawBytes, padded.subarray(1), enc.checksum)!;
    expect(padded.subarray(1).byteOffset % 2).toBe(1);
    for (let i = 0; i < f.length; i++) {
      expect(Buffer.from(odd[i].data.buffer, odd[i].data.byteOffset, odd[i].data.byteLength).equals(Buffer.from(even[i].data.buffer, even[i].data.byteOffset, even[i].data.byteLength))).toBe(true);
      expect(Math.max(...even[i].data.map((v, k) => Math.abs(v - f[i].data[k])))).toBeLessThan(0.01);
    }
  });
});
