// The app on a fresh install: the Engine service offers the head shipped with the default backbone, segments the
// sample scene with it (no training first), and the class mask equals `satdifuser segment --default`'s, as read
// back by GDAL (same head, same backbone, same tiling: the two paths must not differ).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/api/engine';
import { sampleScene } from '../helpers/shared';

const dir = mkdtempSync(join(tmpdir(), 'sdf-default-app-'));
const engine = createEngine({ host: 'test', dataDir: join(dir, 'data'), sampleScene });
afterAll(() => {
  engine.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const pixels = (file: string) => execFileSync('gdal_translate', ['-q', '-of', 'AAIGrid', file, '/vsistdout/'], { encoding: 'utf8', maxBuffer: 1 << 26 }).split('\n').slice(6).join('\n');

describe('default head in the app', () => {
  it('is listed read-only, and segments the sample scene like the CLI does', async () => {
    const heads = (await engine['models.list']({} as never)).heads;
    expect(heads.map((h) => h.id)).toEqual(['default:sample-landcover']);
    expect(heads[0]!.classes.map((c) => c.name)).toEqual(['water', 'vegetation', 'built-up']);
    const h = await engine['raster.open']({ path: sampleScene });
    const t = await engine['segment.start']({ rasterId: h.rasterId, aoi: null, backboneId: '', headId: 'default:sample-landcover', tileSize: 256, overlap: 32, bands: null, probabilities: false });
    const outcome = await engine.jobs.settled(t.jobId);
    expect(outcome?.status, JSON.stringify(outcome)).toBe('succeeded');
    if (outcome?.status !== 'succeeded' || outcome.result.kind !== 'segment') throw new Error('no result');
    const appMask = outcome.result.segment.mask.info.path;
    const cliMask = join(dir, 'cli.tif');
    const r = spawnSync(process.execPath, ['bin/satdifuser.mjs', 'segment', sampleScene, '--default', '--out', cliMask], { encoding: 'utf8', env: { ...process.env, SATDIFUSER_STORE: join(dir, 'cli.sqlite') }, timeout: 240_000 });
    expect(r.status, r.stderr).toBe(0);
    const app = pixels(appMask);
    expect(app.split(/\s+/).filter((v) => v === '0' || v === '1' || v === '2').length).toBe(349 * 352);
    expect(app).toBe(pixels(cliMask));
    await expect(engine['heads.delete']({ headId: 'default:sample-landcover' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(engine['segment.start']({ rasterId: h.rasterId, aoi: null, backboneId: '', headId: 'default:nope', tileSize: 256, overlap: 32, bands: null, probabilities: false })).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  }, 300_000);
});
