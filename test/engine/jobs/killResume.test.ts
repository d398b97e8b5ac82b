// A segmentation killed with SIGKILL mid-run resumes from its SQLite journal: the finished rows of tiles
// are not redone, and the result is byte-identical to an uninterrupted run.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from './fixtures/segmentChild';

const dir = mkdtempSync(join(tmpdir(), 'sdf-kill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('segmentation journal under kill -9', () => {
  it('resumes after SIGKILL without redoing finished rows and gives the same mask', async () => {
    const refOut = join(dir, 'ref.bin');
    const ref = JSON.parse(await run(join(dir, 'ref.sqlite'), refOut, 0, () => {}));
    expect(ref.status).toBe('succeeded');

    const storePath = join(dir, 'killed.sqlite');
    const out = join(dir, 'resumed.bin');
    const child = spawn(process.execPath, ['--import', 'tsx', resolve('test/engine/jobs/fixtures/segmentChild.ts'), storePath, out, '40'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let done = 0;
    child.stdout!.on('data', (d: Buffer) => {
      for (const m of d.toString().matchAll(/tiles (\d+)/g)) done = Math.max(done, Number(m[1]));
    });
    const exited = new Promise<NodeJS.Signals | null>((res) => child.on('exit', (_c, sig) => res(sig)));
    const t0 = Date.now();
    while (done < 14 && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(done).toBeGreaterThanOrEqual(14);

    const logs: string[] = [];
    const again = JSON.parse(await run(storePath, out, 0, (s) => logs.push(s)));
    expect(again.status).toBe('succeeded');
    expect(logs.filter((l) => l.startsWith("warning")), JSON.stringify(again)).toContain("warning RESUMED\n");
    expect(again.resumed).toBeGreaterThan(0);
    // Only the tiles not journalled were computed again (features of the killed run's tiles are cached too,
    // so "extracted" counts what the cache did not have).
    expect(again.extracted).toBeLessThan(ref.extracted);
    expect(readFileSync(out).equals(readFileSync(refOut))).toBe(true);
  });
});
