// Hand-computable fakes for the pipeline (the Deepness approach): a raster in memory, a "backbone" that
// passes the normalised pixels through, and heads whose logits are known functions of the pixels, so the
// right mask of a whole scene is known without running the pipeline.
import type { ClassInfo } from '../../../src/shared/jobs';
import type { PixelWindow } from '../../../src/shared/geometry';
import type { RasterInfo } from '../../../src/shared/raster';
import type { FeatureExtractor, InputPreparer, SegmentationHead, ClassificationHead, TileInput } from '../../../src/engine/jobs/model';
import type { RasterBlock, RasterSource, ReadRequest } from '../../../src/engine/raster/source';
import type { FeatureSet } from '../../../src/engine/store/featureCache';

export function memoryRaster(width: number, height: number, bands: Float32Array[], opts: { nodata?: number | null; pixelSize?: number } = {}): RasterSource {
  const nodata = opts.nodata ?? null;
  const ps = opts.pixelSize ?? 10;
  const info: RasterInfo = {
    path: 'memory.tif',
    width,
    height,
    bands: bands.length,
    dataType: 'float32',
    nodata,
    epsg: 32633,
    crs: { epsg: 32633, definition: '+proj=utm +zone=33 +datum=WGS84 +units=m +no_defs', name: 'WGS 84 / UTM zone 33N', units: 'm' },
    georeferenced: true,
    transform: [500000, ps, 0, 4000000, 0, -ps],
    pixelSize: [ps, -ps],
    origin: [500000, 4000000],
    overviews: [],
    blockSize: [256, 256],
    tiled: true,
    compression: 'none',
    bigTiff: false,
    bandNames: bands.map(() => null),
    interleave: 'band',
    format: 'GeoTIFF',
    mask: nodata === null ? 'none' : 'nodata',
    notes: [],
  };
  const reads: PixelWindow[] = [];
  const src: RasterSource & { reads: PixelWindow[] } = {
    info,
    reads,
    async read(req: ReadRequest): Promise<RasterBlock> {
      const { window: w } = req;
      reads.push(w);
      if (req.signal?.aborted) throw new Error('aborted');
      const sel = req.bands ?? bands.map((_, i) => i);
      if (req.outWidth && req.outWidth !== w.width) {
        // average resampling for the AOI classification path
        const ow = req.outWidth, oh = req.outHeight ?? req.outWidth;
        const out = sel.map(() => new Float32Array(ow * oh));
        const valid = new Uint8Array(ow * oh);
        for (let j = 0; j < oh; j++) for (let i = 0; i < ow; i++) {
          const x0 = w.x + Math.floor((i * w.width) / ow), x1 = w.x + Math.floor(((i + 1) * w.width) / ow);
          const y0 = w.y + Math.floor((j * w.height) / oh), y1 = w.y + Math.floor(((j + 1) * w.height) / oh);
          let n = 0;
          const sums = sel.map(() => 0);
          for (let y = y0; y < Math.max(y1, y0 + 1); y++) for (let x = x0; x < Math.max(x1, x0 + 1); x++) {
            if (x < 0 || y < 0 || x >= width || y >= height) continue;
            const v = bands[sel[0]][y * width + x];
            if (nodata !== null && v === nodata) continue;
            sel.forEach((b, k) => (sums[k] += bands[b][y * width + x]));
            n++;
          }
          if (n) { valid[j * ow + i] = 1; sel.forEach((_, k) => (out[k][j * ow + i] = sums[k] / n)); }
        }
        return { width: ow, height: oh, dataType: 'float32', bands: out, valid };
      }
      const out = sel.map(() => new Float32Array(w.width * w.height));
      const valid = new Uint8Array(w.width * w.height);
      for (let y = 0; y < w.height; y++) {
        for (let x = 0; x < w.width; x++) {
          const sx = w.x + x, sy = w.y + y;
          if (sx < 0 || sy < 0 || sx >= width || sy >= height) continue;
          const v0 = bands[sel[0]][sy * width + sx];
          if (nodata !== null && v0 === nodata) continue;
          valid[y * w.width + x] = 1;
          sel.forEach((b, k) => (out[k][y * w.width + x] = bands[b][sy * width + sx]));
        }
      }
      return { width: w.width, height: w.height, dataType: 'float32', bands: out, valid };
    },
    async close() {},
  };
  return src;
}

/** Pixels pass through unchanged (float32 already in [0,1]); invalid pixels become 0. */
export function passThroughPreparer(bands: number[]): InputPreparer {
  return {
    bands,
    descriptor: { kind: 'identity' },
    prepare(block: RasterBlock): TileInput {
      const n = block.width * block.height;
      const data = new Float32Array(bands.length * n);
      block.bands.forEach((b, k) => {
        for (let i = 0; i < n; i++) data[k * n + i] = block.valid[i] ? Number(b[i]) : 0;
      });
      return { width: block.width, height: block.height, channels: bands.length, data, valid: block.valid };
    },
  };
}

/** The "backbone": one feature map, the input itself. Counts the tiles it was asked for. */
export function identityExtractor(tileSize: number, channels = 1, id = 'identity-backbone'): FeatureExtractor & { calls: number; tiles: number; delayMs: number } {
  const x = {
    id,
    weightsHash: 'w0',
    tileSize,
    inputChannels: channels,
    settings: { taps: ['pixels'] },
    device: 'cpu (test)',
    nominalSecondsPerTile: 0.5,
    calls: 0,
    tiles: 0,
    delayMs: 0,
    async extract(tiles: readonly TileInput[]): Promise<FeatureSet[]> {
      x.calls++;
      x.tiles += tiles.length;
      if (x.delayMs) await new Promise((r) => setTimeout(r, x.delayMs));
      return tiles.map((t) => [{ name: 'pixels', shape: [t.channels, t.height, t.width], data: t.data }]);
    },
  };
  return x;
}

export const classes3: ClassInfo[] = [
  { id: 0, name: 'water', color: [0, 0, 255] },
  { id: 1, name: 'forêt', color: [0, 128, 0] },
  { id: 2, name: 'urbain', color: [200, 0, 0] },
];

/** logit_c = −k·(v − centre_c)² of band 0: the mask is the nearest centre, the probabilities are closed-form. */
export function pointwiseHead(centres = [0.2, 0.5, 0.8], k = 20): SegmentationHead & { logitsAt(v: number): number[] } {
  return {
    id: 'pointwise-head',
    classes: classes3.slice(0, centres.length),
    logitsAt: (v: number) => centres.map((c) => -k * (v - c) ** 2),
    async predict(features, size) {
      const n = size.width * size.height;
      return features.map((f) => {
        const v = f[0].data;
        const out = new Float32Array(centres.length * n);
        for (let i = 0; i < n; i++) for (let c = 0; c < centres.length; c++) out[c * n + i] = -k * (v[i] - centres[c]) ** 2;
        return out;
      });
    },
  };
}

/**
 * A head with spatial context, like a CNN: band 0 box-blurred with radius r inside the tile, zero padding
 * outside it (the border effect real heads have), then the pointwise logits. Tiled outputs differ from a
 * whole-scene output only within r pixels of a tile edge.
 */
export function contextHead(r = 3, centres = [0.2, 0.5, 0.8], k = 20): SegmentationHead {
  return {
    id: `context-head-r${r}`,
    classes: classes3.slice(0, centres.length),
    async predict(features, size) {
      const { width: W, height: H } = size;
      return features.map((f) => {
        const v = f[0].data;
        const out = new Float32Array(centres.length * W * H);
        const norm = (2 * r + 1) ** 2;
        for (let y = 0; y < H; y++) {
          for (let x = 0; x < W; x++) {
            let s = 0;
            for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) {
              const xx = x + dx, yy = y + dy;
              if (xx >= 0 && yy >= 0 && xx < W && yy < H) s += v[yy * W + xx];
            }
            const m = s / norm;
            for (let c = 0; c < centres.length; c++) out[c * W * H + y * W + x] = -k * (m - centres[c]) ** 2;
          }
        }
        return out;
      });
    },
  };
}

/** Logits constant over a tile: class 0's logit is the tile's id read from band 1 at the tile's centre. */
export function tileIdHead(): SegmentationHead {
  return {
    id: 'tile-id-head',
    classes: classes3.slice(0, 2),
    async predict(features, size) {
      const n = size.width * size.height;
      return features.map((f) => {
        const id = f[0].data[n + (size.height >> 1) * size.width + (size.width >> 1)];
        const out = new Float32Array(2 * n);
        out.fill(id, 0, n);
        return out;
      });
    },
  };
}

/** Classification: logits favour the class whose centre is nearest the tile's mean of band 0. */
export function meanClassifier(centres = [0.2, 0.5, 0.8]): ClassificationHead {
  return {
    id: 'mean-classifier',
    classes: classes3.slice(0, centres.length),
    async classify(features) {
      return features.map((f) => {
        // Mean over the pixels holding data (the preparer fills nodata with 0, a level no scene here has).
        const v = f[0].data;
        const n = f[0].shape[1] * f[0].shape[2];
        let s = 0, k = 0;
        for (let i = 0; i < n; i++) if (v[i] !== 0) { s += v[i]; k++; }
        const m = k ? s / k : 0;
        return Float32Array.from(centres.map((c) => -50 * (m - c) ** 2));
      });
    },
  };
}

/** A smooth, scene-like field in [0,1] with structure at several scales. */
export function sceneField(width: number, height: number, seed = 1): Float32Array {
  const f = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    const v = 0.5 + 0.25 * Math.sin(x / 37 + seed) * Math.cos(y / 53 - seed) + 0.15 * Math.sin((x + 2 * y) / 17 + seed * 3) + 0.08 * Math.cos((3 * x - y) / 7);
    f[y * width + x] = Math.min(1, Math.max(0, v));
  }
  return f;
}
