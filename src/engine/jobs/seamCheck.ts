// A seam detector for stitched outputs: the mean absolute step across each tile edge, compared with the
// typical step between neighbouring columns (rows) elsewhere. A stitch with seams has steps at tile edges
// many times the typical one; a seamless one has ratios near 1. Used by tests and the pipeline benchmark.

export interface SeamReport {
  /** Largest edge step ÷ median step over all column (row) pairs. */
  readonly worstRatio: number;
  readonly worstEdge: { readonly axis: 'x' | 'y'; readonly at: number } | null;
}

function stepAcross(field: Float32Array, width: number, height: number, axis: 'x' | 'y', at: number): number {
  let s = 0;
  if (axis === 'x') {
    for (let y = 0; y < height; y++) s += Math.abs(field[y * width + at] - field[y * width + at - 1]);
    return s / height;
  }
  for (let x = 0; x < width; x++) s += Math.abs(field[at * width + x] - field[(at - 1) * width + x]);
  return s / width;
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? s[s.length >> 1] : 0;
}

/** `edges` are pixel positions (column or row index) where a tile starts or ends, relative to the field. */
export function detectSeams(field: Float32Array, width: number, height: number, edgesX: readonly number[], edgesY: readonly number[]): SeamReport {
  const cols: number[] = [];
  for (let x = 1; x < width; x++) cols.push(stepAcross(field, width, height, 'x', x));
  const rows: number[] = [];
  for (let y = 1; y < height; y++) rows.push(stepAcross(field, width, height, 'y', y));
  const baseX = Math.max(median(cols), 1e-12);
  const baseY = Math.max(median(rows), 1e-12);
  let worstRatio = 0;
  let worstEdge: SeamReport['worstEdge'] = null;
  for (const at of edgesX) {
    if (at <= 0 || at >= width) continue;
    const r = stepAcross(field, width, height, 'x', at) / baseX;
    if (r > worstRatio) [worstRatio, worstEdge] = [r, { axis: 'x', at }];
  }
  for (const at of edgesY) {
    if (at <= 0 || at >= height) continue;
    const r = stepAcross(field, width, height, 'y', at) / baseY;
    if (r > worstRatio) [worstRatio, worstEdge] = [r, { axis: 'y', at }];
  }
  return { worstRatio, worstEdge };
}
