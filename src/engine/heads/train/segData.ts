// Segmentation training data: every labelled raster cut into backbone tiles (stride = tile; the last row and
// column reach past the edge, where pixels are nodata and labels "ignore"), each tile's features (from the cache
// or the backbone) and its training / holdout labels.
//
// Holdout, always by unit and never by pixel (labels/holdout.ts):
//   - a dataset of ≥ 5 rasters holds out whole rasters (20 %, seeded);
//   - otherwise, within each raster: label polygons are held out by polygon (groups closer than the buffer stay
//     together), a dense label raster by 64-pixel blocks; a buffer of ignored pixels separates the two sides.
import { InvalidArgumentError, SatError, throwIfCancelled } from '../../../shared/errors';
import type { PixelWindow } from '../../../shared/geometry';
import type { RasterInfo } from '../../../shared/raster';
import { openRaster } from '../../raster/open';
import type { FeatureCache } from '../../store/featureCache';
import type { ClassDef } from '../dataset/manifest';
import type { PackedFeatures } from '../features/bank';
import type { BackboneHandle } from '../features/extractors';
import { defaultBands } from '../features/preparer';
import { blockUnits, splitHoldout } from '../labels/holdout';
import { classIdsOf, isVectorLabels, rasterizeLabels, readLabelPolygons } from '../labels/vectorLabels';
import { IGNORE_INDEX } from '../metrics';
import { createRng } from '../random';
import { FeatureCollector, heldOutUnits, NO_HOLDOUT, type PreparedFeatures, RASTER_HOLDOUT_MIN } from './rasterFeatures';

export interface SegTile {
  readonly raster: string;
  readonly window: PixelWindow;
  readonly features: PackedFeatures;
  /** tile × tile class ids for training (IGNORE_INDEX elsewhere); null when the tile has none. */
  readonly train: Uint8Array | null;
  readonly holdout: Uint8Array | null;
}

export interface SegData extends PreparedFeatures {
  readonly tiles: readonly SegTile[];
  readonly numClasses: number;
  readonly classNames: ReadonlyMap<number, string>;
  readonly trainPixels: number;
  readonly holdoutPixels: number;
  readonly classPixels: readonly number[];
  readonly holdout: string;
  readonly extracted: number;
}

export interface SegDataOptions {
  readonly backbone: BackboneHandle;
  readonly cache: FeatureCache | null;
  /** 0-based bands fed to the backbone (default the first three). */
  readonly bands?: readonly number[];
  readonly classes?: readonly ClassDef[] | null;
  readonly classField?: string;
  readonly holdoutFraction?: number;
  readonly bufferPx?: number;
  readonly seed?: number;
  /** Put every labelled pixel in training (the evaluation set is separate). */
  readonly noHoldout?: boolean;
  readonly signal?: AbortSignal;
  readonly onProgress?: (done: number, total: number, message: string) => void;
}

interface LabelledRaster {
  path: string;
  info: RasterInfo;
  labels: Uint8Array;
  unitOf: Int32Array;
  kind: 'polygons' | 'raster';
}

async function readLabelRaster(path: string, info: RasterInfo, signal?: AbortSignal): Promise<Uint8Array> {
  const src = await openRaster(path, { signal });
  try {
    const li = src.info;
    if (li.width !== info.width || li.height !== info.height) {
      throw new InvalidArgumentError(`The label raster "${path}" is ${li.width}×${li.height} but the image "${info.path}" is ${info.width}×${info.height}.`, 'A label raster holds class ids on the image\'s own pixel grid: same width and height.');
    }
    const block = await src.read({ window: { x: 0, y: 0, width: li.width, height: li.height }, bands: [0], signal });
    const out = new Uint8Array(li.width * li.height);
    const band = block.bands[0]!;
    for (let i = 0; i < out.length; i++) {
      const v = band[i]!;
      if (!block.valid[i]) { out[i] = IGNORE_INDEX; continue; }
      if (!(Number.isInteger(v) && v >= 0 && v <= 255)) throw new InvalidArgumentError(`The label raster "${path}" holds ${v}, not a class id (0…254) or 255 (ignore).`);
      out[i] = v;
    }
    return out;
  } finally {
    await src.close();
  }
}

export async function prepareSegData(entries: readonly { raster: string; labels: string }[], o: SegDataOptions): Promise<SegData> {
  const tile = o.backbone.extractor.tileSize;
  const classNames = new Map<number, string>((o.classes ?? []).map((c) => [c.id, c.name]));
  const labelled: LabelledRaster[] = [];
  // 1. labels on each raster's grid
  for (const e of entries) {
    throwIfCancelled(o.signal, 'Preparing the labels');
    const src = await openRaster(e.raster, { signal: o.signal });
    const info = src.info;
    await src.close();
    if (isVectorLabels(e.labels)) {
      const lp = readLabelPolygons(e.labels, { classField: o.classField });
      const { ids, names } = classIdsOf(lp.polygons.map((p) => p.value), o.classes ?? null, lp.polygons.map((p) => p.name));
      for (const [id, n] of names) if (!classNames.has(id)) classNames.set(id, n);
      const r = rasterizeLabels(lp, ids, info);
      if (r.empty === r.polygons) throw new InvalidArgumentError(`None of the ${r.polygons} label polygons in "${e.labels}" covers a pixel of "${e.raster}".`, 'Check that the labels belong to this raster and declare their CRS (GeoJSON without "crs" is WGS 84).');
      labelled.push({ path: e.raster, info, labels: r.labels, unitOf: r.unitOf, kind: 'polygons' });
    } else {
      const labels = await readLabelRaster(e.labels, info, o.signal);
      labelled.push({ path: e.raster, info, labels, unitOf: blockUnits(labels, info.width, info.height, 64), kind: 'raster' });
    }
  }
  let numClasses = 0;
  for (const l of labelled) for (const v of l.labels) if (v !== IGNORE_INDEX && v + 1 > numClasses) numClasses = v + 1;
  for (const c of o.classes ?? []) numClasses = Math.max(numClasses, c.id + 1);
  if (numClasses < 2) throw new InvalidArgumentError('The labels contain fewer than two classes.', 'A segmentation head needs at least two labelled classes.');

  // 2. holdout
  const fraction = o.holdoutFraction ?? 0.2;
  const split: { train: Uint8Array; holdout: Uint8Array }[] = [];
  let holdout: string;
  if (o.noHoldout) {
    for (const l of labelled) split.push({ train: l.labels, holdout: new Uint8Array(l.labels.length).fill(IGNORE_INDEX) });
    holdout = NO_HOLDOUT;
  } else if (labelled.length >= RASTER_HOLDOUT_MIN) {
    const held = heldOutUnits(labelled.map((_, i) => i), fraction, createRng(o.seed ?? 0));
    labelled.forEach((l, i) => {
      const none = new Uint8Array(l.labels.length).fill(IGNORE_INDEX);
      split.push(held.has(i) ? { train: none, holdout: l.labels } : { train: l.labels, holdout: none });
    });
    holdout = `${held.size} of ${labelled.length} rasters held out (${[...held].sort((a, b) => a - b).map((i) => labelled[i]!.path.split('/').slice(-3).join('/')).join(', ')})`;
  } else {
    const parts: string[] = [];
    for (const l of labelled) {
      const s = splitHoldout(l.labels, l.unitOf, l.info.width, l.info.height, numClasses, {
        fraction, bufferPx: o.bufferPx ?? 8, seed: o.seed ?? 0, groupNearby: l.kind === 'polygons',
      });
      split.push({ train: s.train, holdout: s.holdout });
      parts.push(`${s.holdoutUnits.size} ${l.kind === 'polygons' ? 'polygons' : '64-px blocks'} of ${l.path.split('/').pop()} held out (${s.groups} groups, ${s.bufferedOut} buffer px dropped${s.unscoredClasses.length ? `, classes ${s.unscoredClasses.join(', ')} have one group and are not scored` : ''})`);
    }
    holdout = parts.join('; ');
  }

  // 3. tiles with labels, and their features
  const jobs: { l: LabelledRaster; s: (typeof split)[number]; window: PixelWindow; train: Uint8Array | null; hold: Uint8Array | null }[] = [];
  labelled.forEach((l, i) => {
    const s = split[i]!;
    for (let y = 0; y < l.info.height; y += tile) {
      for (let x = 0; x < l.info.width; x += tile) {
        const window = { x, y, width: tile, height: tile };
        const train = cut(s.train, l.info, window);
        const hold = cut(s.holdout, l.info, window);
        if (train || hold) jobs.push({ l, s, window, train, hold });
      }
    }
  });
  if (jobs.length === 0) throw new InvalidArgumentError('No tile contains a labelled pixel.');
  const bands = o.bands ?? defaultBands(labelled[0]!.info.bands);
  const tiles: SegTile[] = [];
  const collector = new FeatureCollector({ backbone: o.backbone, cache: o.cache, total: jobs.length, signal: o.signal, onProgress: o.onProgress });
  for (const l of labelled) {
    const mine = jobs.filter((j) => j.l === l);
    if (mine.length === 0) continue;
    const fetched = await collector.collect(l.path, () => mine.map((j) => j.window), bands);
    fetched.forEach((f, k) => tiles.push({ raster: l.path, window: f.window, features: f.features, train: mine[k]!.train, holdout: mine[k]!.hold }));
  }
  const classPixels = new Array(numClasses).fill(0);
  let trainPixels = 0, holdoutPixels = 0;
  for (const t of tiles) {
    if (t.train) for (const v of t.train) if (v !== IGNORE_INDEX) { classPixels[v]++; trainPixels++; }
    if (t.holdout) for (const v of t.holdout) if (v !== IGNORE_INDEX) holdoutPixels++;
  }
  if (trainPixels === 0) throw new SatError('INVALID_ARGUMENT', 'Every labelled pixel went to the holdout.', { hint: 'Label more polygons (at least two per class), or lower --holdout.' });
  const { rasters, featureBytes, cacheHits } = collector;
  return { tiles, numClasses, classNames, trainPixels, holdoutPixels, classPixels, holdout, rasters, bands, featureBytes, cacheHits, extracted: tiles.length - cacheHits };
}

/** The window's part of a full-raster label array (IGNORE_INDEX outside the raster); null when nothing is labelled. */
function cut(labels: Uint8Array, info: RasterInfo, w: PixelWindow): Uint8Array | null {
  const out = new Uint8Array(w.width * w.height).fill(IGNORE_INDEX);
  let any = false;
  for (let r = 0; r < w.height; r++) {
    const y = w.y + r;
    if (y >= info.height) break;
    for (let c = 0; c < w.width; c++) {
      const x = w.x + c;
      if (x >= info.width) break;
      const v = labels[y * info.width + x]!;
      if (v !== IGNORE_INDEX) { out[r * w.width + c] = v; any = true; }
    }
  }
  return any ? out : null;
}
