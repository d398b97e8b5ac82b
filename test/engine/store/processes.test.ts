// The cache file against real processes: one killed with SIGKILL in the middle of writing, and readers
// reading while another process writes.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { float16ToFloat32, float32ToFloat16 } from '../../../src/engine/nn/fp16';
import { openStore } from '../../../src/engine/store/store';
import { openSqlite } from '../../../src/engine/store/sqlite';
import { syntheticFeatures } from './fixtures/features';

/** The bytes of exactly this view (a row's tensors are views of one array). */
const bytesOf = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

const writer = resolve('test/engine/store/fixtures/cacheWriter.ts');
const dir = mkdtempSync(join(tmpdir(), 'sdf-proc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function startWriter(path: string, n: number, scale: number, codec = 'none'): { child: ChildProcess; puts: () => number; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', writer, path, String(n), String(scale), codec], { stdio: ['ignore', 'pipe', 'pipe'] });
  let count = 0;
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (count += (d.toString().match(/put \d+/g) ?? []).length));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => {
    if (code !== 0 && code !== null) console.error(err);
    res(code);
  }));
  return { child, puts: () => count, exited };
}

const until = async (cond: () => boolean, ms = 60_000) => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

function expectRowsIntact(path: string) {
  const raw = openSqlite(path);
  expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
  raw.close();
  const s = openStore(path);
  const ro = openSqlite(path, { readonly: true });
  const keys = (ro.prepare('SELECT key FROM feature_cache').all() as { key: string }[]).map((r) => r.key);
  ro.close();
  for (const k of keys) {
    const i = Number(k.slice(5));
    const got = s.cache.get(k);
    expect(got, `row ${k} readable`).not.toBeNull();
    const want = syntheticFeatures(i, 8);
    for (let t = 0; t < want.length; t++) expect(bytesOf(got![t].data).equals(bytesOf(float16ToFloat32(float32ToFloat16(want[t].data))))).toBe(true);
  }
  const stats = s.cache.stats();
  s.close();
  return { keys, stats };
}

describe('cache file under real processes', () => {
  it('survives SIGKILL in the middle of writes: integrity ok, every committed row intact, none half-written', async () => {
    for (const [round, codec] of [[0, 'none'], [1, 'deflate'], [2, 'none']] as const) {
      const path = join(dir, `kill-${round}.sqlite`);
      const w = startWriter(path, 10_000, 8, codec);
      // Kill at a different point each round, while the writer is busy writing multi-MB rows.
      await until(() => w.puts() >= 3 + round * 4);
      w.child.kill('SIGKILL');
      expect(await w.exited).toBeNull();
      const { keys, stats } = expectRowsIntact(path);
      expect(keys.length).toBeGreaterThanOrEqual(3 + round * 4);
      expect(stats.corruptDropped).toBe(0);
    }
  });

  it('serves readers in this process while another process writes', async () => {
    const path = join(dir, 'concurrent.sqlite');
    openStore(path).close(); // create + migrate before the race
    const w = startWriter(path, 60, 8);
    const reader = openStore(path);
    let reads = 0;
    let maxSeen = 0;
    let done = false;
    w.exited.then(() => (done = true));
    while (!done) {
      const keys = (reader.cache as unknown as { db: ReturnType<typeof openSqlite> }).db.prepare('SELECT key FROM feature_cache').all() as { key: string }[];
      for (const { key } of keys) {
        const f = reader.cache.get(key);
        expect(f).not.toBeNull();
        expect(f![0].shape).toEqual([64, 32, 32]);
        reads++;
      }
      maxSeen = Math.max(maxSeen, keys.length);
      await new Promise((r) => setTimeout(r, 1));
    }
    expect(await w.exited).toBe(0);
    expect(reads).toBeGreaterThan(0);
    expect(maxSeen).toBeGreaterThan(0);
    expect(reader.cache.stats().corruptDropped).toBe(0);
    expect(reader.cache.stats().entries).toBe(60);
    reader.close();
  });
});
