// How a training run will be cut, worked out the way the heads engine does it (heads/train/segData.ts and
// trainHead.ts): labelled tiles on the tile grid from the raster's corner (stride = tile), the 128-px crop rule
// for sparse labels, the batch and the minimum steps per epoch. It runs on the rasterized labels only, so it is
// cheap enough to answer before Train.
import { IGNORE_INDEX } from '../heads/metrics';
import { MIN_STEPS_PER_EPOCH } from '../heads/train/trainHead';

export interface TrainPlan {
  /** Tiles with any label (training or holdout): their features are extracted. */
  readonly tiles: number;
  /** Pixels carrying a training label. */
  readonly trainPixels: number;
  readonly crop: number;
  /** Training samples: tiles with training labels, or their crops that hold one. */
  readonly samples: number;
  readonly batch: number;
  readonly stepsPerEpoch: number;
}

export interface PlanOptions {
  readonly width: number;
  readonly height: number;
  readonly tile: number;
  /** Pixels between the coarsest feature cells (tile / coarsest scale size): crop offsets move by this. */
  readonly stride: number;
  readonly recipeBatch: number;
}

const SPARSE_CROP = 128;

/** Labelled pixels in every rectangle in O(1): a summed-area table over "has a label". */
function summedArea(labels: Uint8Array, width: number, height: number): (x0: number, y0: number, x1: number, y1: number) => number {
  const W = width + 1;
  const s = new Float64Array(W * (height + 1));
  for (let r = 0; r < height; r++) {
    let row = 0;
    for (let c = 0; c < width; c++) {
      if (labels[r * width + c] !== IGNORE_INDEX) row++;
      s[(r + 1) * W + c + 1] = s[r * W + c + 1]! + row;
    }
  }
  return (x0, y0, x1, y1) => {
    const a = Math.max(0, Math.min(width, x0)), b = Math.max(0, Math.min(height, y0));
    const c = Math.max(0, Math.min(width, x1)), d = Math.max(0, Math.min(height, y1));
    if (c <= a || d <= b) return 0;
    return s[d * W + c]! - s[b * W + c]! - s[d * W + a]! + s[b * W + a]!;
  };
}

/** `all`: every label (training and holdout); `train`: the training side of the holdout split. */
export function planTraining(all: Uint8Array, train: Uint8Array, o: PlanOptions): TrainPlan {
  const { width, height, tile, stride } = o;
  const any = summedArea(all, width, height);
  const trained = summedArea(train, width, height);
  let tiles = 0;
  let trainPixels = 0;
  const trainTiles: [number, number][] = [];
  for (let y = 0; y < height; y += tile) {
    for (let x = 0; x < width; x += tile) {
      if (any(x, y, x + tile, y + tile) > 0) tiles++;
      const n = trained(x, y, x + tile, y + tile);
      if (n > 0) trainTiles.push([x, y]);
      trainPixels += n;
    }
  }
  const sparse = trainPixels < 0.25 * trainTiles.length * tile * tile && tile >= 2 * SPARSE_CROP && SPARSE_CROP % stride === 0;
  const crop = sparse ? SPARSE_CROP : tile;
  let samples = 0;
  for (const [x, y] of trainTiles) {
    if (crop === tile) { samples++; continue; }
    for (let oy = 0; oy + crop <= tile; oy += stride) {
      for (let ox = 0; ox + crop <= tile; ox += stride) if (trained(x + ox, y + oy, x + ox + crop, y + oy + crop) > 0) samples++;
    }
  }
  const batch = Math.max(1, Math.min(o.recipeBatch, samples));
  const stepsPerEpoch = samples === 0 ? 0 : Math.max(Math.floor(samples / batch), MIN_STEPS_PER_EPOCH);
  return { tiles, trainPixels, crop, samples, batch, stepsPerEpoch };
}
