// The weight a tile's logits get at each of its pixels when overlapping tiles are blended. Over an overlap
// of n pixels the weight rises as sin²(π/2 · (d + ½)/n) from the tile edge (d = 0) inwards and is 1
// elsewhere. The neighbour's weight over the same pixels is the mirror image, cos² of the same angle, so
// the two sum to exactly 1: the blend is a partition of unity with no seam and no bias. Sides on the AOI
// edge (overlap 0) are not tapered, so border pixels keep full weight. Weights never reach 0.

/** Weights along one axis of a tile of `length` pixels with tapers of `before` and `after` pixels. */
export function taper1d(length: number, before: number, after: number): Float32Array {
  const w = new Float32Array(length).fill(1);
  for (let d = 0; d < before && d < length; d++) w[d] *= Math.sin((Math.PI / 2) * ((d + 0.5) / before)) ** 2;
  for (let d = 0; d < after && d < length; d++) w[length - 1 - d] *= Math.sin((Math.PI / 2) * ((d + 0.5) / after)) ** 2;
  return w;
}

export interface TileTapers {
  readonly x: Float32Array;
  readonly y: Float32Array;
}

/** The separable 2-D window of a tile: weight(col, row) = x[col] · y[row]. */
export function tileTapers(size: number, overlap: { left: number; right: number; top: number; bottom: number }): TileTapers {
  return { x: taper1d(size, overlap.left, overlap.right), y: taper1d(size, overlap.top, overlap.bottom) };
}
