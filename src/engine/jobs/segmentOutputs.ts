// Writes a segmentation's outputs from its journalled strips, in one pass: the class mask and the
// probabilities as tiled DEFLATE COGs on exactly the source grid (same size, transform and CRS; pixels
// outside the AOI are nodata), and optionally the vectors. Mask: uint8 class ids, nodata 255, a colour
// table and class names. Probabilities: one uint8 band per class in percent (0–100), nodata 255.
import { AbsurdSizeError, InvalidArgumentError } from '../../shared/errors';
import type { GeoTransform, PixelWindow } from '../../shared/geometry';
import type { ClassInfo } from '../../shared/jobs';
import type { RasterInfo } from '../../shared/raster';
import { createCogWriter, type CogWriter, type CrsSpec } from '../export/geotiff';
import { maskToFeatures } from '../export/vector/maskToFeatures';
import { writeVector, vectorFormatOf } from '../export/vector/writeVector';
import { isWkt } from '../export/vector/crsWkt';
import { MAX_POLYGONIZE_PIXELS, type Connectivity } from '../geo/polygonize';
import { MASK_NODATA } from './rowStitcher';
import type { SegmentWriter, SegmentWriteResult } from './segment';
import type { StoredStrip } from './stripCodec';
import type { TilePlan } from './tilePlan';

export interface SegmentOutputSpec {
  readonly maskPath: string;
  readonly probabilitiesPath?: string | null;
  readonly vectorPath?: string | null;
  readonly info: RasterInfo;
  readonly classes: readonly ClassInfo[];
  readonly provenance: { readonly source: string; readonly model: string; readonly head: string; readonly fusion?: string };
  readonly vector?: { readonly simplifyPixels?: number; readonly minArea?: number; readonly connectivity?: Connectivity };
  readonly tileSize?: number;
  readonly signal?: AbortSignal;
}

export function crsSpecOf(info: RasterInfo): CrsSpec | null {
  if (!info.crs) return null;
  const geographic = info.crs.units === 'degree';
  if (info.crs.epsg !== null) return { kind: 'epsg', code: info.crs.epsg, geographic, name: info.crs.name };
  if (isWkt(info.crs.definition)) return { kind: 'wkt', wkt: info.crs.definition, geographic };
  return null;
}

/** Checks the outputs can be written before hours of work are spent. */
export function validateSegmentOutputs(spec: SegmentOutputSpec, box: PixelWindow): void {
  if (!/\.tiff?$/i.test(spec.maskPath)) throw new InvalidArgumentError(`The mask output "${spec.maskPath}" must be a .tif file.`, 'e.g. --out mask.tif');
  if (spec.probabilitiesPath && !/\.tiff?$/i.test(spec.probabilitiesPath)) throw new InvalidArgumentError(`The probabilities output "${spec.probabilitiesPath}" must be a .tif file.`, 'e.g. --probabilities probs.tif');
  if (spec.vectorPath) {
    vectorFormatOf(spec.vectorPath);
    if (box.width * box.height > MAX_POLYGONIZE_PIXELS) {
      throw new AbsurdSizeError(`Vectorising a ${box.width} × ${box.height} pixel area in one piece is beyond the in-memory polygonizer (${MAX_POLYGONIZE_PIXELS.toLocaleString('en')} pixels).`, 'Write the mask only and vectorise parts of it, or draw a smaller area.');
    }
  }
  if (spec.classes.length > 255) throw new InvalidArgumentError(`${spec.classes.length} classes do not fit a uint8 mask with nodata 255.`, 'Use a head with at most 255 classes.');
}

const percent = (q: number) => Math.round((q * 100) / 255);

export function segmentationWriter(spec: SegmentOutputSpec): SegmentWriter {
  // Probabilities feed the probability raster and the vectors' mean_prob; a mask alone needs no softmax.
  return Object.assign(async (strips: () => Iterable<StoredStrip>, plan: TilePlan): Promise<SegmentWriteResult> => {
    const { info, classes } = spec;
    const C = classes.length;
    const box = plan.box;
    validateSegmentOutputs(spec, box);
    const T = spec.tileSize ?? 512;
    const crs = crsSpecOf(info);
    const transform: GeoTransform | null = info.georeferenced ? info.transform : null;
    const provenance = {
      model: spec.provenance.model,
      head: spec.provenance.head,
      fusion: spec.provenance.fusion,
      tiling: `tile=${plan.tileSize} overlap=${plan.overlap} blend=sin2`,
      sourceFile: spec.provenance.source,
    };
    const maxId = Math.max(0, ...classes.map((c) => c.id));
    const colorTable: [number, number, number, number][] = Array.from({ length: 256 }, () => [0, 0, 0, 0] as [number, number, number, number]);
    const names: (string | null)[] = Array.from({ length: maxId + 1 }, () => null);
    for (const c of classes) {
      colorTable[c.id] = [c.color[0], c.color[1], c.color[2], 255];
      names[c.id] = c.name;
    }
    const mask = createCogWriter(spec.maskPath, {
      width: info.width, height: info.height, bands: 1, dataType: 'uint8', tileSize: T, nodata: MASK_NODATA,
      colorTable, classNames: names, crs, transform, provenance, fillMissing: true, signal: spec.signal,
    });
    let probs: CogWriter | null = null;
    try {
      if (spec.probabilitiesPath) {
        probs = createCogWriter(spec.probabilitiesPath, {
          width: info.width, height: info.height, bands: C, dataType: 'uint8', tileSize: T, nodata: 255, interleave: 'band',
          bandNames: classes.map((c) => c.name), crs, transform, provenance, fillMissing: true, signal: spec.signal,
          metadata: classes.map((_, b) => ({ name: 'UNITTYPE', value: '%', band: b, role: 'unittype' as const })),
        });
      }
      // One row of writer tiles at a time, full raster width.
      const W = info.width;
      const rowBuf = new Uint8Array(T * W);
      const probBuf = probs ? Array.from({ length: C }, () => new Uint8Array(T * W)) : [];
      const boxMask = spec.vectorPath ? new Uint8Array(box.width * box.height).fill(MASK_NODATA) : null;
      const boxProb = spec.vectorPath ? new Uint8Array(box.width * box.height) : null;
      let tileRow = Math.floor(box.y / T);
      const reset = () => {
        rowBuf.fill(MASK_NODATA);
        probBuf.forEach((b) => b.fill(255));
      };
      const flush = async () => {
        const y0 = tileRow * T;
        const h = Math.min(T, info.height - y0);
        for (let col = Math.floor(box.x / T); col <= Math.floor((box.x + box.width - 1) / T); col++) {
          const x0 = col * T;
          const w = Math.min(T, W - x0);
          const cut = (src: Uint8Array) => {
            const out = new Uint8Array(w * h);
            for (let r = 0; r < h; r++) out.set(src.subarray(r * W + x0, r * W + x0 + w), r * w);
            return out;
          };
          await mask.writeTile(col, tileRow, [cut(rowBuf)]);
          if (probs) await probs.writeTile(col, tileRow, probBuf.map(cut));
        }
      };
      reset();
      for (const s of strips()) {
        if ((probs || boxProb) && s.classes !== C) throw new Error(`strip at row ${s.y} carries ${s.classes} classes of probabilities, the outputs need ${C}`);
        for (let r = 0; r < s.height; r++) {
          const y = s.y + r;
          while (Math.floor(y / T) > tileRow) {
            await flush();
            reset();
            tileRow++;
          }
          const off = (y - tileRow * T) * W + s.x;
          rowBuf.set(s.mask.subarray(r * s.width, (r + 1) * s.width), off);
          const plane = s.width * s.height;
          for (let c = 0; c < C; c++) {
            if (!probs) break;
            const dst = probBuf[c];
            for (let x = 0; x < s.width; x++) {
              const m = s.mask[r * s.width + x];
              dst[off + x] = m === MASK_NODATA ? 255 : percent(s.probabilities[c * plane + r * s.width + x]);
            }
          }
          if (boxMask && boxProb) {
            const bo = (y - box.y) * box.width + (s.x - box.x);
            boxMask.set(s.mask.subarray(r * s.width, (r + 1) * s.width), bo);
            for (let x = 0; x < s.width; x++) {
              const m = s.mask[r * s.width + x];
              if (m !== MASK_NODATA) boxProb[bo + x] = s.probabilities[m * plane + r * s.width + x];
            }
          }
        }
      }
      await flush();
      await mask.finish();
      if (probs) await probs.finish();
      let featureCount: number | null = null;
      if (spec.vectorPath && boxMask && boxProb) {
        const t = info.transform;
        const boxTransform: GeoTransform = [t[0] + box.x * t[1] + box.y * t[2], t[1], t[2], t[3] + box.x * t[4] + box.y * t[5], t[4], t[5]];
        const features = maskToFeatures(boxMask, {
          width: box.width, height: box.height, transform: boxTransform, classes, probability: boxProb, probabilityScale: 1 / 255,
          provenance: { source: spec.provenance.source, model: spec.provenance.model, head: spec.provenance.head },
          simplifyPixels: spec.vector?.simplifyPixels, minArea: spec.vector?.minArea, connectivity: spec.vector?.connectivity, signal: spec.signal,
        });
        featureCount = (await writeVector(spec.vectorPath, features, { crs: info.crs, signal: spec.signal })).features;
      }
      return { maskPath: spec.maskPath, probabilitiesPath: spec.probabilitiesPath ?? null, vectorPath: spec.vectorPath ?? null, featureCount };
    } catch (e) {
      await mask.abort();
      await probs?.abort();
      throw e;
    }
  }, { needsProbabilities: !!(spec.probabilitiesPath || spec.vectorPath) });
}
