// bench/raster-io.ts — `npm run bench -- raster-io [--quick]`
// Two comparisons against GDAL, measured in this run on the same files:
//  1. windowed reads: our reader (open + read window + close) vs `gdal_translate -srcwin … -of MEM`,
//     whose process start-up and open (timed as a 1×1 window of the same file) are subtracted;
//  2. COG writing: `rewriteAsCog` vs `gdal_translate -of COG` with the same DEFLATE level (6), predictor,
//     tile size (512), overview resampling (average) and overview count.
// Files: the ../shared scenes (when present) and a generated 8000×8000×4 tiled DEFLATE GeoTIFF made of
// real imagery (the NAIP scene, or the bundled Landsat sample without ../shared), mirrored to size.
// Times are the minimum of several runs (the machine is shared); CPU seconds (ours: this process with its
// zlib threads; GDAL: /usr/bin/time on the child) are printed too, being steadier than wall time on a busy
// machine. Ratios are GDAL time ÷ ours (>1: we are faster).
// Last line: `raster-io: read_vs_gdal=<ratio> cog_write_vs_gdal=<ratio>`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fromFile } from 'geotiff';
import { createCogWriter, rewriteAsCog } from '../src/engine/export/geotiff/index';
import { openRaster } from '../src/engine/raster/open';
import type { PixelWindow } from '../src/shared/geometry';

const quick = process.argv.includes('--quick');
const RUNS = quick ? 1 : 3;
const BIG = quick ? 4000 : 8000;
const shared = resolve(process.env.SATDIFUSER_SHARED ?? join(process.cwd(), '..', 'shared'));
const hasShared = existsSync(join(shared, 'data'));
const work = mkdtempSync(join(tmpdir(), 'bench-raster-io-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

// CPU seconds of GDAL's child processes (user + system), when /usr/bin/time is there to report them.
const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
let gdalCpu = 0;

function gdal(args: string[]): number {
  const t = performance.now();
  const cmd = timeBin ? [timeBin, '-f', 'CPU %U %S', ...args] : args;
  const r = spawnSync(cmd[0], cmd.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const wall = (performance.now() - t) / 1000;
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
  const m = /CPU ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
  if (m) gdalCpu += Number(m[1]) + Number(m[2]);
  return wall;
}

const cpuNow = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1e6; };

/** Minimum wall time over `runs`; also the CPU seconds of that fastest run (ours: this process, threads included). */
async function minTime(runs: number, f: () => Promise<unknown> | unknown): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await f();
    best = Math.min(best, (performance.now() - t) / 1000);
  }
  return best;
}

/** CPU seconds one call costs (after the timed runs, so caches are as warm as for them). */
async function cpuOf(f: () => Promise<unknown> | unknown): Promise<number> {
  const before = gdalCpu;
  const c = cpuNow();
  await f();
  return cpuNow() - c + (gdalCpu - before);
}

/** A BIG×BIG tiled DEFLATE GeoTIFF (no overviews) of real imagery, mirrored at the source's edges. */
async function makeBigRaster(): Promise<string> {
  const srcPath = hasShared
    ? join(shared, 'data/scenes/naip_timeseries', readdirSync(join(shared, 'data/scenes/naip_timeseries')).filter((f) => f.endsWith('.tif')).sort()[0])
    : resolve('resources/sample/L7_ETMs.tif');
  const tiff = await fromFile(srcPath);
  const img = await tiff.getImage();
  const [W, H] = [img.getWidth(), img.getHeight()];
  const bands = ((await img.readRasters()) as unknown as Uint8Array[]).slice(0, 4);
  tiff.close();
  const mirror = (v: number, n: number) => { const k = Math.floor(v / n); const r = v % n; return k % 2 === 0 ? r : n - 1 - r; };
  const out = join(work, `big-${BIG}.tif`);
  const w = createCogWriter(out, {
    width: BIG, height: BIG, bands: bands.length, dataType: 'uint8', tileSize: 512, overviews: 0,
    crs: { kind: 'epsg', code: 26914, geographic: false }, transform: [500000, 1, 0, 5300000, 0, -1],
  });
  for (let r = 0; r < w.tilesDown; r++) {
    for (let c = 0; c < w.tilesAcross; c++) {
      const win = w.tileWindow(c, r);
      await w.writeTile(c, r, bands.map((b) => {
        const t = new Uint8Array(win.width * win.height);
        for (let y = 0; y < win.height; y++) {
          const row = mirror(win.y + y, H) * W;
          for (let x = 0; x < win.width; x++) t[y * win.width + x] = b[row + mirror(win.x + x, W)];
        }
        return t;
      }));
    }
  }
  await w.finish();
  return out;
}

function windowsFor(w: number, h: number, big: boolean): PixelWindow[] {
  const clip = (x: number, y: number, s: number): PixelWindow => ({ x, y, width: Math.min(s, w - x), height: Math.min(s, h - y) });
  if (!big) return [clip(0, 0, Math.max(w, h)), clip(0, 0, 512), clip(Math.floor(w / 2) - 256 > 0 ? Math.floor(w / 2) - 256 : 0, Math.max(0, Math.floor(h / 2) - 256), 512), clip(Math.max(0, w - 300), Math.max(0, h - 300), 300)];
  const out: PixelWindow[] = [clip(1000, 1000, 4096)];
  for (let i = 0; i < 8; i++) out.push(clip(((i * 2531) % (w - 1024)), ((i * 1709 + 400) % (h - 1024)), 1024));
  return out;
}

interface Totals { ours: number; gdal: number; oursCpu: number; gdalCpu: number }

async function readBench(files: string[], bigFile: string): Promise<Totals> {
  const tot: Totals = { ours: 0, gdal: 0, oursCpu: 0, gdalCpu: 0 };
  console.log('\nwindowed reads (s, min of runs; GDAL net of start-up)   ours     gdal  gdal-start  ratio   cpu ours / gdal');
  for (const f of files) {
    const src = await openRaster(f);
    const { width, height } = src.info;
    await src.close();
    const windows = windowsFor(width, height, f === bigFile);
    const startArgs = ['gdal_translate', '-q', '-of', 'MEM', '-srcwin', '0', '0', '1', '1', f, 'x'];
    const startup = await minTime(RUNS, () => gdal(startArgs));
    const startupCpu = await cpuOf(() => gdal(startArgs));
    let o = 0, g = 0, oc = 0, gc = 0;
    for (const win of windows) {
      const ours = async () => {
        const s = await openRaster(f);
        try { await s.read({ window: win }); } finally { await s.close(); }
      };
      const args = ['gdal_translate', '-q', '-of', 'MEM', '-srcwin', String(win.x), String(win.y), String(win.width), String(win.height), f, 'x'];
      o += await minTime(RUNS, ours);
      oc += await cpuOf(ours);
      g += Math.max(0, (await minTime(RUNS, () => gdal(args))) - startup);
      gc += Math.max(0, (await cpuOf(() => gdal(args))) - startupCpu);
    }
    tot.ours += o; tot.gdal += g; tot.oursCpu += oc; tot.gdalCpu += gc;
    console.log(`  ${basename(f).slice(0, 40).padEnd(40)} ${String(windows.length).padStart(2)} win ${o.toFixed(3).padStart(7)}  ${g.toFixed(3).padStart(7)}  ${startup.toFixed(3).padStart(7)}  ${(g / o).toFixed(2).padStart(5)}   ${oc.toFixed(2)} / ${gc.toFixed(2)}`);
  }
  return tot;
}

async function cogBench(files: string[]): Promise<Totals> {
  const tot: Totals = { ours: 0, gdal: 0, oursCpu: 0, gdalCpu: 0 };
  console.log('\nCOG writing (s, min of runs)                     ours     gdal  gdal-mt  ratio   cpu ours / gdal   size ours/gdal');
  for (const f of files) {
    const outOurs = join(work, `ours-${basename(f)}`);
    const outGdal = join(work, `gdal-${basename(f)}`);
    const runs = statSync(f).size > 50e6 ? Math.min(RUNS, 2) : RUNS;
    const args = (threads: string) => ['gdal_translate', '-q', '-of', 'COG', '-co', 'COMPRESS=DEFLATE', '-co', 'LEVEL=6', '-co', 'PREDICTOR=YES', '-co', 'BLOCKSIZE=512',
      '-co', 'RESAMPLING=AVERAGE', '-co', 'OVERVIEW_RESAMPLING=AVERAGE', '-co', `NUM_THREADS=${threads}`, f, outGdal];
    const runGdal = (threads: string) => () => { rmSync(outGdal, { force: true }); return gdal(args(threads)); };
    const overviews = async (p: string) => { const s = await openRaster(p); const n = s.info.overviews.length; await s.close(); return n; };
    const g = await minTime(runs, runGdal('1'));
    // GDAL 3.6's COG driver copies overviews the source already has (even with OVERVIEWS=IGNORE_EXISTING),
    // down to sizes its own rule would not reach: ask ours for the same number.
    const ovrGdal = await overviews(outGdal);
    const ours = () => rewriteAsCog(f, outOurs, { tileSize: 512, compression: 'deflate', level: 6, predictor: 'auto', resampling: 'average', overviews: ovrGdal });
    const o = await minTime(runs, ours);
    const oc = await cpuOf(ours);
    const gc = await cpuOf(runGdal('1'));
    const gmt = await minTime(runs, runGdal('ALL_CPUS'));
    const ovrOurs = await overviews(outOurs);
    tot.ours += o; tot.gdal += g; tot.oursCpu += oc; tot.gdalCpu += gc;
    console.log(`  ${basename(f).slice(0, 40).padEnd(40)} ${o.toFixed(3).padStart(12)}  ${g.toFixed(3).padStart(7)}  ${gmt.toFixed(3).padStart(7)}  ${(g / o).toFixed(2).padStart(5)}   ${oc.toFixed(2)} / ${gc.toFixed(2)}   ${(statSync(outOurs).size / statSync(outGdal).size).toFixed(3)}${ovrOurs !== ovrGdal ? `  (overviews: ours ${ovrOurs}, GDAL ${ovrGdal})` : ''}`);
  }
  return tot;
}

async function main(): Promise<void> {
  const scenes = hasShared ? [
    'data/scenes/rasterio_RGB.byte.tif', 'data/scenes/qgis_3320D_2010_315_RGB_LATLNG.tif', 'data/scenes/stars_L7_ETMs.tif',
    'data/spacenet_sample/sample_geotiff.tif',
    ...readdirSync(join(shared, 'data/scenes/naip_timeseries')).filter((f) => f.endsWith('.tif')).sort().slice(0, 2).map((f) => `data/scenes/naip_timeseries/${f}`),
  ].map((p) => join(shared, p)) : [resolve('resources/sample/L7_ETMs.tif')];
  if (!hasShared) console.log('(no ../shared: only the bundled sample and the generated raster)');
  const t = performance.now();
  const big = await makeBigRaster();
  console.log(`generated ${basename(big)}: ${BIG}×${BIG}, ${(statSync(big).size / 2 ** 20).toFixed(0)} MiB, tiled DEFLATE, in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const read = await readBench([...scenes, big], big);
  const cog = await cogBench([...scenes, big]);
  console.log(`\nread: ours ${read.ours.toFixed(2)} s, GDAL ${read.gdal.toFixed(2)} s (start-up subtracted); CPU ours ${read.oursCpu.toFixed(2)} s, GDAL ${read.gdalCpu.toFixed(2)} s${timeBin ? '' : ' (no /usr/bin/time: GDAL CPU not measured)'}`);
  console.log(`COG:  ours ${cog.ours.toFixed(2)} s, GDAL ${cog.gdal.toFixed(2)} s (NUM_THREADS=1, its default); CPU ours ${cog.oursCpu.toFixed(2)} s, GDAL ${cog.gdalCpu.toFixed(2)} s`);
  console.log(`cpu ratios (GDAL ÷ ours): read ${(read.gdalCpu / read.oursCpu).toFixed(2)}, cog ${(cog.gdalCpu / cog.oursCpu).toFixed(2)}`);
  console.log(`raster-io: read_vs_gdal=${(read.gdal / read.ours).toFixed(2)} cog_write_vs_gdal=${(cog.gdal / cog.ours).toFixed(2)}`);
}

await main();
