// Child process of the fuzz test: for each case index in [start, end), mutate a corpus file, open it, read
// windows (full resolution, an overview, a resampled whole-raster read) and close it. One JSON line per case:
// {"i", "start": true} before, {"i", "outcome": "ok" | "sat" | "bug", …} after, so the parent can attribute a hang.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isSatError } from '../../src/shared/errors';
import { openRaster } from '../../src/engine/raster/open';
import { mutate, rng, type Mutation } from './mutate';

const [corpusJson, startArg, endArg, dir, seedArg] = process.argv.slice(2);
const corpus = (JSON.parse(corpusJson) as string[]).map((p) => ({ path: p, bytes: readFileSync(p), ext: p.slice(p.lastIndexOf('.')) }));
const kinds: Mutation[] = ['flip', 'flipHeader', 'truncate', 'tag', 'tag', 'splice'];
const seed = Number(seedArg);

async function exercise(path: string): Promise<void> {
  const src = await openRaster(path, { cacheBytes: 16 * 2 ** 20 });
  try {
    const { width, height, overviews } = src.info;
    const w = Math.min(64, width);
    const h = Math.min(64, height);
    await src.read({ window: { x: Math.floor((width - w) / 2), y: Math.floor((height - h) / 2), width: w, height: h } });
    if (overviews.length) await src.read({ window: { x: 0, y: 0, width, height }, overview: overviews.length });
    await src.read({ window: { x: -3, y: -3, width: Math.min(width, 512) + 6, height: Math.min(height, 512) + 6 }, outWidth: 32, outHeight: 32, resampling: 'average' });
  } finally {
    await src.close();
  }
}

const out = (o: object): void => {
  process.stdout.write(JSON.stringify(o) + '\n');
};

for (let i = Number(startArg); i < Number(endArg); i++) {
  const r = rng(seed * 1_000_003 + i);
  const base = corpus[i % corpus.length];
  const kind = kinds[Math.floor(r() * kinds.length)];
  const bytes = mutate(base.bytes, kind, r);
  const path = join(dir, `case-${i}${base.ext}`);
  writeFileSync(path, bytes);
  out({ i, start: true });
  try {
    await exercise(path);
    out({ i, outcome: 'ok', kind, base: base.path });
  } catch (e) {
    if (isSatError(e)) out({ i, outcome: 'sat', code: e.code, kind });
    else out({ i, outcome: 'bug', kind, base: base.path, error: String((e as Error)?.stack ?? e) });
  }
  rmSync(path, { force: true });
}
out({ done: true });
