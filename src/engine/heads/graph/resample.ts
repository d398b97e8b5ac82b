// Bilinear resizing and adaptive average pooling as fixed matrices applied by MatMul (rows: output index,
// columns: input index), separably over height and width. The adjoint of a MatMul is a MatMul, so training
// graphs differentiate them exactly, and the matrices reproduce PyTorch's index rules to the last edge pixel.
import type { Value } from '../../nn/graph';
import * as op from '../../nn/ops';

/**
 * F.interpolate(mode='bilinear', align_corners=False) along one axis: source coordinate (i + 0.5)·in/out − 0.5,
 * clamped at 0 below; the upper neighbour is clamped to the last index.
 */
export function bilinearMatrix(inSize: number, outSize: number): Float32Array {
  const m = new Float32Array(outSize * inSize);
  const scale = inSize / outSize;
  for (let i = 0; i < outSize; i++) {
    const src = Math.max(0, (i + 0.5) * scale - 0.5);
    const i0 = Math.min(Math.floor(src), inSize - 1);
    const i1 = i0 < inSize - 1 ? i0 + 1 : i0;
    const l1 = src - i0;
    m[i * inSize + i0]! += 1 - l1;
    m[i * inSize + i1]! += l1;
  }
  return m;
}

/** nn.AdaptiveAvgPool along one axis: output bin i averages inputs [floor(i·in/out), ceil((i+1)·in/out)). */
export function adaptivePoolMatrix(inSize: number, outSize: number): Float32Array {
  const m = new Float32Array(outSize * inSize);
  for (let i = 0; i < outSize; i++) {
    const start = Math.floor((i * inSize) / outSize);
    const end = Math.ceil(((i + 1) * inSize) / outSize);
    for (let j = start; j < end; j++) m[i * inSize + j] = 1 / (end - start);
  }
  return m;
}

/** Applies `rows` [outH, H] and `cols` [outW, W] to x [B, C, H, W]: rows · x · colsᵀ. */
function separable(x: Value, h: number, w: number, outH: number, outW: number, rows: Float32Array, cols: Float32Array, what: string): Value {
  const g = x.graph;
  let y = x;
  if (outW !== w || !isIdentity(cols, w)) {
    const colsT = new Float32Array(w * outW);
    for (let o = 0; o < outW; o++) for (let i = 0; i < w; i++) colsT[i * outW + o] = cols[o * w + i]!;
    y = op.matmul(y, g.constant(colsT, 'float32', [w, outW], `${what}_w${w}to${outW}`));
  }
  if (outH !== h || !isIdentity(rows, h)) y = op.matmul(g.constant(rows, 'float32', [outH, h], `${what}_h${h}to${outH}`), y);
  return y;
}

function isIdentity(m: Float32Array, n: number): boolean {
  if (m.length !== n * n) return false;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (m[i * n + j] !== (i === j ? 1 : 0)) return false;
  return true;
}

function spatial(x: Value): [number, number] {
  return [x.shape[2] as number, x.shape[3] as number];
}

export function resizeBilinear(x: Value, outH: number, outW: number): Value {
  const [h, w] = spatial(x);
  if (h === outH && w === outW) return x;
  return separable(x, h, w, outH, outW, bilinearMatrix(h, outH), bilinearMatrix(w, outW), 'bilinear');
}

export function adaptiveAvgPool(x: Value, outH: number, outW: number): Value {
  const [h, w] = spatial(x);
  if (outH === 1 && outW === 1) return op.reduceMean(x, [2, 3]);
  return separable(x, h, w, outH, outW, adaptivePoolMatrix(h, outH), adaptivePoolMatrix(w, outW), 'adaptive_pool');
}
