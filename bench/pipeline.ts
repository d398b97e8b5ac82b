// `npm run bench -- pipeline [--size 20000] [--skip-large] [--skip-warm-cold] [--only-warm-cold] [--threads 1]
//  [--cold-runs 3] [--warm-runs 15]`
// 1. Polygonize + GeoPackage write of a full-scene class mask, ours vs gdal_polygonize.py (-f GPKG) in the
//    same run (ratio = GDAL time ÷ ours). The mask: classes of the bundled Landsat scene (NDVI and brightness
//    thresholds), mirror-tiled 6 × 6 to 2094 × 2112 so the times are measurable.
// 2. Peak RSS of a whole segmentation of a size × size raster (real imagery: the bundled scene mirror-tiled,
//    read window by window, never held whole) through tiling, blending, the SQLite journal and both COG
//    outputs, with a pass-through backbone and a pointwise head (no network: the pipeline's own memory).
// 3. Cold (features computed) vs warm (features from the SQLite cache) segmentation of the bundled scene with
//    the shipped default backbone; while none is shipped, with a reduced DiffusionSat-256-structure model with
//    random weights (the backbone tests' fixture), said so in the output. Medians of --cold-runs / --warm-runs
//    runs, interleaved (rounds of one cold run and its share of the warm runs), each from a collected heap.
//    warm_vs_cold = cold time ÷ warm time of the job alone (strips read, no file written) with a head
//    that costs next to nothing (the pipeline's own ratio: features vs cache); warm_vs_cold_head = the same
//    with the shipped default head (models/<backbone>/heads/); warm_vs_cold_written = tap head, class mask
//    COG written (what `segment --out mask.tif` does). onnxruntime threads: --threads (default 1: shared machine).
// Parts 3, 1 and 2 run in that order, 3 and 2 each in a child process of their own (--only-warm-cold: part 3 alone).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCogWriter } from '../src/engine/export/geotiff';
import { writeGeoPackage } from '../src/engine/export/vector/geopackage';
import { maskToFeatures } from '../src/engine/export/vector/maskToFeatures';
import { runSegmentation } from '../src/engine/jobs/segment';
import { crsSpecOf, segmentationWriter } from '../src/engine/jobs/segmentOutputs';
import type { SegmentWriter } from '../src/engine/jobs/segment';
import type { StoredStrip } from '../src/engine/jobs/stripCodec';
import type { FeatureExtractor, InputPreparer, SegmentationHead } from '../src/engine/jobs/model';
import type { FeatureSet } from '../src/engine/store/featureCache';
import { openRaster } from '../src/engine/raster/open';
import type { RasterBlock, RasterSource, ReadRequest } from '../src/engine/raster/source';
import { openStore } from '../src/engine/store/store';
import { importDiffusionSat } from '../src/engine/backbone/importDiffusionSat';
import { listModels } from '../src/engine/backbone/modelStore';
import { openBackbone } from '../src/engine/heads/features/extractors';
import { makePreparer } from '../src/engine/heads/features/preparer';
import { loadHead } from '../src/engine/heads/artifact/io';
import { HeadPredictor } from '../src/engine/heads/infer/predictor';
import { findDefaultHead } from '../src/engine/api/defaultHead';
import type { RasterInfo } from '../src/shared/raster';

const sample = 'resources/sample/L7_ETMs.tif';
const args = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};

async function loadSample(): Promise<{ info: RasterInfo; bands: Uint8Array[] }> {
  const src = await openRaster(sample);
  const b = await src.read({ window: { x: 0, y: 0, width: src.info.width, height: src.info.height } });
  await src.close();
  return { info: src.info, bands: b.bands.map((a) => Uint8Array.from(a as ArrayLike<number>)) };
}

const mirror = (v: number, n: number) => {
  const m = ((v % (2 * n)) + 2 * n) % (2 * n);
  return m < n ? m : 2 * n - 1 - m;
};

/** The sample scene mirror-tiled to width × height, read window by window. */
function tiledSource(s: { info: RasterInfo; bands: Uint8Array[] }, width: number, height: number): RasterSource {
  const { width: w, height: h } = s.info;
  return {
    info: { ...s.info, width, height, overviews: [], path: `mirror(${sample}) ${width}x${height}` },
    async read(req: ReadRequest): Promise<RasterBlock> {
      const { x: wx, y: wy, width: ww, height: wh } = req.window;
      const sel = req.bands ?? s.bands.map((_, i) => i);
      const out = sel.map(() => new Uint8Array(ww * wh));
      const valid = new Uint8Array(ww * wh);
      for (let y = 0; y < wh; y++) {
        const ry = wy + y;
        if (ry < 0 || ry >= height) continue;
        const sy = mirror(ry, h) * w;
        for (let x = 0; x < ww; x++) {
          const rx = wx + x;
          if (rx < 0 || rx >= width) continue;
          const si = sy + mirror(rx, w);
          const di = y * ww + x;
          valid[di] = 1;
          for (let k = 0; k < sel.length; k++) out[k][di] = s.bands[sel[k]][si];
        }
      }
      return { width: ww, height: wh, dataType: 'uint8', bands: out, valid };
    },
    async close() {},
  };
}

/** A segmentation-like class mask: NDVI and brightness of the scene, smoothed over 5×5 pixels (heads
 *  output smooth maps, not per-pixel noise), thresholded into five classes. */
function sceneClasses(s: { info: RasterInfo; bands: Uint8Array[] }, width: number, height: number): Uint8Array {
  const { width: w, height: h } = s.info;
  const ndvi = new Float32Array(w * h), red = new Float32Array(w * h);
  for (let i = 0; i < w * h; i++) {
    const r = s.bands[2][i], n = s.bands[3][i];
    ndvi[i] = (n - r) / (n + r + 1e-6);
    red[i] = r;
  }
  const blur = (a: Float32Array) => {
    const o = new Float32Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      let sum = 0, k = 0;
      for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) {
        const yy = y + dy, xx = x + dx;
        if (yy >= 0 && yy < h && xx >= 0 && xx < w) { sum += a[yy * w + xx]; k++; }
      }
      o[y * w + x] = sum / k;
    }
    return o;
  };
  const nd = blur(ndvi), rd = blur(red);
  const m = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    const i = mirror(y, h) * w + mirror(x, w);
    const v = nd[i];
    m[y * width + x] = v < -0.05 ? 0 : v < 0.15 ? (rd[i] > 60 ? 1 : 2) : v < 0.35 ? 3 : 4;
  }
  return m;
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];

async function polygonizeBench(dir: string, s: { info: RasterInfo; bands: Uint8Array[] }): Promise<number> {
  const W = s.info.width * 6, H = s.info.height * 6;
  const mask = sceneClasses(s, W, H);
  const classes = ['water', 'bare', 'built', 'sparse vegetation', 'vegetation'].map((name, id) => ({ id, name, color: [id * 50, 200 - id * 40, 100] as [number, number, number] }));
  const maskPath = join(dir, 'mask.tif');
  const writer = createCogWriter(maskPath, { width: W, height: H, bands: 1, dataType: 'uint8', tileSize: 512, nodata: 255, crs: crsSpecOf(s.info), transform: s.info.transform });
  for (let r = 0; r < writer.tilesDown; r++) for (let c = 0; c < writer.tilesAcross; c++) {
    const win = writer.tileWindow(c, r);
    const t = new Uint8Array(win.width * win.height);
    for (let y = 0; y < win.height; y++) t.set(mask.subarray((win.y + y) * W + win.x, (win.y + y) * W + win.x + win.width), y * win.width);
    await writer.writeTile(c, r, [t]);
  }
  await writer.finish();
  const ours: number[] = [];
  const gdal: number[] = [];
  let ourCount = 0;
  for (let k = 0; k < 3; k++) {
    const t0 = performance.now();
    const f = maskToFeatures(mask, { width: W, height: H, transform: s.info.transform, classes, provenance: { source: sample, model: 'bench', head: 'bench' }, simplifyPixels: 0 });
    await writeGeoPackage(join(dir, `ours${k}.gpkg`), f, { crs: s.info.crs });
    ours.push((performance.now() - t0) / 1000);
    ourCount = f.length;
    const t1 = performance.now();
    const r = spawnSync('gdal_polygonize.py', ['-q', maskPath, '-f', 'GPKG', join(dir, `gdal${k}.gpkg`), 'p', 'class_id'], { encoding: 'utf8' });
    gdal.push((performance.now() - t1) / 1000);
    if (r.status !== 0) throw new Error(`gdal_polygonize.py failed: ${r.stderr}`);
  }
  const count = spawnSync('ogrinfo', ['-so', join(dir, 'gdal0.gpkg'), 'p'], { encoding: 'utf8' }).stdout.match(/Feature Count: (\d+)/)?.[1];
  console.log(`polygonize: ${W}×${H} mask, ${ourCount} polygons (GDAL: ${count}); ours ${median(ours).toFixed(2)} s (polygonize + GeoPackage), gdal_polygonize.py ${median(gdal).toFixed(2)} s (medians of 3)`);
  return median(gdal) / median(ours);
}

// Pass-through backbone (normalised pixels as the single feature map) and a pointwise head on it: the
// pipeline's own costs (reads, fp16 round trip, stitching, journal, COG writing) without a network.
const extractor: FeatureExtractor = {
  id: 'bench-pass-through', weightsHash: 'none', tileSize: 256, inputChannels: 3, settings: {}, device: 'cpu',
  async extract(tiles) { return tiles.map((t) => [{ name: 'pixels', shape: [t.channels, t.height, t.width], data: t.data }]); },
};
const head: SegmentationHead = {
  id: 'bench-pointwise', classes: [{ id: 0, name: 'dark', color: [0, 0, 128] }, { id: 1, name: 'mid', color: [0, 160, 0] }, { id: 2, name: 'bright', color: [220, 220, 220] }],
  async predict(features, size) {
    const n = size.width * size.height;
    return features.map((f) => {
      const v = f[0].data;
      const out = new Float32Array(3 * n);
      for (let i = 0; i < n; i++) {
        const g = (v[i] + v[n + i] + v[2 * n + i]) / 3;
        out[i] = -20 * (g - 0.15) ** 2; out[n + i] = -20 * (g - 0.35) ** 2; out[2 * n + i] = -20 * (g - 0.6) ** 2;
      }
      return out;
    });
  },
};
const preparer: InputPreparer = {
  bands: [2, 1, 0], descriptor: { kind: 'range', low: 0, high: 255 },
  prepare(b) {
    const n = b.width * b.height;
    const data = new Float32Array(3 * n);
    for (let k = 0; k < 3; k++) for (let i = 0; i < n; i++) data[k * n + i] = b.valid[i] ? Number(b.bands[k][i]) / 255 : 0;
    return { width: b.width, height: b.height, channels: 3, data, valid: b.valid };
  },
};

async function largeChild(size: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sdf-bench-20k-'));
  try {
    const s = await loadSample();
    const src = tiledSource(s, size, size);
    const store = openStore(join(dir, 'store.sqlite'));
    const t0 = performance.now();
    const o = await runSegmentation({
      source: src, sourceFingerprint: `mirror-${size}`, box: { x: 0, y: 0, width: size, height: size }, preparer, extractor, head,
      overlap: 32, batchSize: 8, journal: store.journal, cache: null,
      write: segmentationWriter({ maskPath: join(dir, 'mask.tif'), probabilitiesPath: join(dir, 'probs.tif'), info: src.info, classes: head.classes, provenance: { source: src.info.path, model: extractor.id, head: head.id } }),
    });
    store.close();
    if (o.status !== 'succeeded') throw new Error(JSON.stringify(o));
    const secs = (performance.now() - t0) / 1000;
    const rssGb = (process.resourceUsage().maxRSS * 1024) / 1e9;
    console.log(`large: ${size}×${size}, ${o.result.tiles} tiles in ${secs.toFixed(1)} s (${(o.result.tiles / secs).toFixed(1)} tiles/s, ${((size * size * 28.5 * 28.5) / 1e6 / (secs / 60)).toFixed(0)} km²/min at the scene's 28.5 m), peak RSS ${rssGb.toFixed(2)} GB`);
    console.log(`RSS_GB=${rssGb.toFixed(3)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Logits from the first timestep's scale-1 taps (channel mean, nearest upsampling): a head costing next to nothing, so warm time is the pipeline's. */
const tapHead: SegmentationHead = {
  id: 'bench-tap-mean', classes: head.classes,
  async predict(features, size) {
    return features.map((f) => tapLogits(f, size));
  },
};

// The tap head's loops live in a module-level function, not in the closure `predict` makes per call: V8 keeps
// optimised code only while its function object lives, so after a full garbage collection (every timed run
// starts from one) a per-call closure ran its first tile unoptimised, 4 ms of a 20 ms warm run.
function tapLogits(f: FeatureSet, size: { width: number; height: number }): Float32Array {
  const s1 = f.find((t) => t.name.endsWith('_s1'))!;
  const [c, h, w] = s1.shape;
  const W = size.width, n = size.width * size.height;
  const cell = new Float32Array(h * w);
  for (let k = 0; k < c; k++) for (let o = 0, b = k * h * w; o < h * w; o++) cell[o] += s1.data[b + o];
  for (let o = 0; o < h * w; o++) cell[o] /= c;
  const col = new Int32Array(W);
  for (let x = 0; x < W; x++) col[x] = Math.floor((x * w) / W);
  const out = new Float32Array(3 * n);
  for (let y = 0; y < size.height; y++) {
    const row = Math.floor((y * h) / size.height) * w;
    for (let x = 0; x < W; x++) {
      const m = cell[row + col[x]];
      out[y * W + x] = m; out[n + y * W + x] = -m;
    }
  }
  return out;
}

interface WarmCold {
  /** The job alone (no output file), the near-free tap head. */
  readonly pipeline: number;
  /** The same with the shipped default head; null when none is shipped. */
  readonly head: number | null;
  /** The tap head, the mask COG written. */
  readonly written: number;
}

async function warmCold(dir: string): Promise<WarmCold> {
  const shipped = listModels().find((m) => m.source === 'shipped');
  let choice: string;
  if (shipped) {
    choice = shipped.dir;
    console.log(`cold/warm: shipped backbone ${shipped.name}`);
  } else {
    const { writeDiffusionSatFolder } = await import('../test/engine/backbone/helpers/diffusionSatFolder');
    await importDiffusionSat({ source: writeDiffusionSatFolder(join(dir, 'dsat'), 'safetensors'), name: 'bench-dsat', store: join(dir, 'models'), threads: 2 });
    choice = join(dir, 'models', 'bench-dsat');
    console.log('cold/warm: NO default backbone is shipped yet: measured with a reduced DiffusionSat-256-structure model, random weights (test fixture)');
  }
  const threads = opt('threads', 1);
  const handle = await openBackbone(choice, { tileSize: 256, threads, batch: 2 });
  const src = await openRaster(sample);
  const preparer = await makePreparer(src, [2, 1, 0]);
  const store = openStore(join(dir, 'warmcold.sqlite'));
  // A run either hands its strips to a writer that only reads them (the job alone: features or cache, head,
  // blending, journal) or writes the class mask COG as `segment --out mask.tif` does (atomic: fsync, rename).
  // Neither asks for probabilities, so the job skips the softmax, as that command does. Head time is summed
  // apart, to say what share of a run it is.
  let headMs = 0;
  const timed = (h: SegmentationHead): SegmentationHead => ({
    ...h,
    async predict(f, size, signal) {
      const t = performance.now();
      try {
        return await h.predict(f, size, signal);
      } finally {
        headMs += performance.now() - t;
      }
    },
  });
  let serial = 0;
  const consume: SegmentWriter = Object.assign(
    async (strips: () => Iterable<StoredStrip>) => {
      for (const _ of strips()) void _;
      return { maskPath: '', probabilitiesPath: null, vectorPath: null, featureCount: null };
    },
    { needsProbabilities: false },
  );
  const run = async (cache: boolean, segHead: SegmentationHead, written = false) => {
    const id = `run${serial++}`;
    headMs = 0;
    // Every run (cold or warm) starts from a collected heap, as a job started after a pause does (the idle-time
    // collector has run): no run pays for the previous runs' garbage, each still pays for its own. Needs
    // --expose-gc, which bench/run.mjs passes.
    (globalThis as { gc?: () => void }).gc?.();
    const t0 = performance.now();
    const o = await runSegmentation({
      source: src, sourceFingerprint: 'bench-sample', box: { x: 0, y: 0, width: src.info.width, height: src.info.height }, preparer, extractor: handle.extractor, head: segHead,
      overlap: 32, batchSize: 2, journal: store.journal, cache: cache ? store.cache : null, timings: store.timings, outputId: id,
      write: written ? segmentationWriter({ maskPath: join(dir, `${id}.tif`), info: src.info, classes: segHead.classes, provenance: { source: sample, model: handle.extractor.id, head: segHead.id } }) : consume,
    });
    if (o.status !== 'succeeded') throw new Error(JSON.stringify(o));
    return { s: (performance.now() - t0) / 1000, head: headMs / 1000, r: o.result };
  };
  type Run = Awaited<ReturnType<typeof run>>;
  // Medians of repeated runs: one run on this shared 2-core machine can be off by 2× either way. Cold and warm
  // runs are interleaved (rounds of one cold run and its share of the warm runs), so a burst of load from
  // elsewhere lands on both sides of the ratio instead of on whichever block of runs it happened to hit: 15 warm
  // runs take well under a second back to back, one busy second could move their median by a quarter.
  const median = (all: Run[]): Run & { spread: string } => {
    const by = [...all].sort((x, y) => x.s - y.s);
    const ms = (x: Run) => (1000 * x.s).toFixed(1);
    return { ...by[by.length >> 1], spread: `${ms(by[Math.floor(by.length / 10)])}–${ms(by[Math.ceil((9 * by.length) / 10) - 1])} ms p10–p90` };
  };
  const compare = async (nCold: number, nWarm: number, segHead: SegmentationHead, written = false) => {
    const cold: Run[] = [], warm: Run[] = [];
    for (let round = 0; round < nCold; round++) {
      cold.push(await run(false, segHead, written));
      const share = Math.floor(((round + 1) * nWarm) / nCold) - Math.floor((round * nWarm) / nCold);
      for (let i = 0; i < share; i++) warm.push(await run(true, segHead, written));
    }
    return { cold: median(cold), warm: median(warm) };
  };
  const coldRuns = opt('cold-runs', 3), warmRuns = opt('warm-runs', 15);
  // The first run also builds the ONNX graphs and sessions and fills the cache; the steady-state cold runs
  // (cache off, runtime open) are the ones compared, so the ratio is about features, not start-up.
  const first = await run(true, timed(tapHead));
  const { cold, warm } = await compare(coldRuns, warmRuns, timed(tapHead));
  const { cold: coldWritten, warm: warmWritten } = await compare(coldRuns, warmRuns, timed(tapHead), true);
  const runs: [string, Run & { spread?: string }][] = [['first (incl. graph build)', first], [`cold (median of ${coldRuns})`, cold], [`warm (median of ${warmRuns})`, warm],
    [`cold, mask COG written (median of ${coldRuns})`, coldWritten], [`warm, mask COG written (median of ${warmRuns})`, warmWritten]];
  // The shipped default head on the same features (bands 3, 2, 1 like the tap head's preparer, so the cache is shared).
  const found = shipped ? findDefaultHead('seg') : null;
  let headRatio: number | null = null;
  if (found) {
    const predictor = await HeadPredictor.open(loadHead(found.folder), { threads });
    try {
      const h = timed(predictor);
      await run(true, h); // builds the head's session
      const { cold: headCold, warm: headWarm } = await compare(coldRuns, warmRuns, h);
      runs.push([`cold, default head ${found.name} (median of ${coldRuns})`, headCold], [`warm, default head ${found.name} (median of ${warmRuns})`, headWarm]);
      headRatio = headCold.s / headWarm.s;
    } finally {
      await predictor.release();
    }
  } else {
    console.log('cold/warm: no default head shipped with the backbone: warm_vs_cold_head=NA');
  }
  const km2 = (src.info.width * src.info.height * Math.abs(src.info.pixelSize[0] * src.info.pixelSize[1])) / 1e6;
  for (const [name, x] of runs) {
    console.log(`${name}: ${x.r.tiles} tiles (${x.r.extractedTiles} extracted, ${x.r.cacheHits} cached) in ${x.s.toFixed(3)} s (head ${x.head.toFixed(3)} s, ${((100 * x.head) / x.s).toFixed(0)} %): ${(x.r.tiles / x.s).toFixed(2)} tiles/s, ${(km2 / (x.s / 60)).toFixed(0)} km²/min (${threads} thread${threads === 1 ? '' : 's'})${x.spread ? `; ${x.spread}` : ''}`);
  }
  await handle.release();
  await src.close();
  store.close();
  return { pipeline: cold.s / warm.s, head: headRatio, written: coldWritten.s / warmWritten.s };
}

const fmtWarmCold = (w: WarmCold) => `warm_vs_cold=${w.pipeline.toFixed(1)}`;
const fmtHead = (w: WarmCold | null) => `warm_vs_cold_head=${w?.head ? w.head.toFixed(1) : 'NA'} warm_vs_cold_written=${w ? w.written.toFixed(1) : 'NA'}`;

/** Runs this file again as a child for one part of the bench, forwarding the options; returns its stdout. */
function child(flag: string, extra: string[] = []): string {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', fileURLToPath(import.meta.url), ...args, flag, ...extra], { encoding: 'utf8', maxBuffer: 1 << 24 });
  process.stdout.write(r.stdout);
  if (r.status !== 0) throw new Error(`${flag} run failed: ${r.stderr}`);
  return r.stdout;
}

async function main() {
  if (args.includes('--child-large')) return largeChild(opt('size', 20000));
  const dir = mkdtempSync(join(tmpdir(), 'sdf-bench-'));
  try {
    if (args.includes('--only-warm-cold') || args.includes('--child-warm-cold')) {
      const w = await warmCold(dir);
      if (args.includes('--child-warm-cold')) console.log(`WARM_COLD=${JSON.stringify(w)}`);
      else console.log(`pipeline: ${fmtWarmCold(w)} ${fmtHead(w)}`);
      return;
    }
    // Each part in a fresh process, the cold/warm comparison first: measured after the 20000² run in the same
    // process tree it came out 44-49× in half the runs against 57-61× alone (session 6; no dirty pages were
    // pending, the cause was not pinned down); apart, no part pays for another's heap, JIT state or page cache.
    let w: WarmCold | null = null;
    if (!args.includes('--skip-warm-cold')) {
      const out = child('--child-warm-cold');
      w = JSON.parse(out.match(/WARM_COLD=(.*)/)?.[1] ?? 'null') as WarmCold | null;
      if (!w) throw new Error('cold/warm run printed no result');
    }
    const s = await loadSample();
    const ratio = await polygonizeBench(dir, s);
    let rss = 'NA';
    if (!args.includes('--skip-large')) {
      const size = opt('size', 20000);
      rss = child('--child-large', ['--size', String(size)]).match(/RSS_GB=([\d.]+)/)?.[1] ?? 'NA';
    }
    console.log(`pipeline: ${w ? fmtWarmCold(w) : 'warm_vs_cold=NA'} peak_rss_gb_20k=${rss} polygonize_vs_gdal=${ratio.toFixed(2)} ${fmtHead(w)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
