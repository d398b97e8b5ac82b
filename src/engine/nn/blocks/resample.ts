// Bilinear resizing and adaptive average pooling as fixed matrices applied by MatMul along H and W.
// As matrices they are exact linear maps, so the gradient is the exact adjoint (MatMul's rule), the graph has
// no data-dependent Resize semantics to get wrong, and pool sizes that do not divide the input (PPM 3 and 6 on a
// 4×4 map) need no special case. The matrices reproduce PyTorch's index arithmetic exactly.
import { InvalidArgumentError } from '../../../shared/errors';
import type { Value } from '../graph';
import * as op from '../ops';

/**
 * Row i gives output i as weights over the input: F.interpolate(mode='bilinear'/'linear', align_corners) for one
 * axis with an explicit output size (scale in/out). align_corners=False: src = (i + 0.5)·in/out − 0.5, clamped at
 * 0 below, neighbours floor(src) and min(floor(src) + 1, in − 1), as upsample_bilinear2d does.
 */
export function bilinearMatrix(inSize: number, outSize: number, alignCorners = false): Float64Array {
  if (!(inSize >= 1 && outSize >= 1)) throw new InvalidArgumentError(`A resize needs sizes ≥ 1, got ${inSize} → ${outSize}.`);
  const m = new Float64Array(outSize * inSize);
  for (let i = 0; i < outSize; i++) {
    let src: number;
    if (alignCorners) src = outSize > 1 ? (i * (inSize - 1)) / (outSize - 1) : 0;
    else src = Math.max(((i + 0.5) * inSize) / outSize - 0.5, 0);
    const i0 = Math.min(Math.floor(src), inSize - 1);
    const i1 = Math.min(i0 + 1, inSize - 1);
    const l1 = src - i0;
    m[i * inSize + i0] += 1 - l1;
    m[i * inSize + i1] += l1;
  }
  return m;
}

/** Row i averages input bins [floor(i·in/out), ceil((i+1)·in/out)), as adaptive_avg_pool2d does. */
export function adaptivePoolMatrix(inSize: number, outSize: number): Float64Array {
  if (!(inSize >= 1 && outSize >= 1)) throw new InvalidArgumentError(`Adaptive pooling needs sizes ≥ 1, got ${inSize} → ${outSize}.`);
  const m = new Float64Array(outSize * inSize);
  for (let i = 0; i < outSize; i++) {
    const start = Math.floor((i * inSize) / outSize);
    const end = Math.ceil(((i + 1) * inSize) / outSize);
    for (let j = start; j < end; j++) m[i * inSize + j] = 1 / (end - start);
  }
  return m;
}

function asDtype(m: Float64Array, like: Value): Float32Array | Float64Array {
  return like.dtype === 'float64' ? m : Float32Array.from(m);
}

/** Applies row matrices along H (mh [outH, H]) and W (mw [outW, W]) of an [N, C, H, W] value. */
export function applySeparable(x: Value, mh: Float64Array, outH: number, mw: Float64Array, outW: number, base: string): Value {
  const g = x.graph;
  const [h, w] = [x.shape[2] as number, x.shape[3] as number];
  if (typeof h !== 'number' || typeof w !== 'number') throw new InvalidArgumentError(`${base} needs static spatial sizes, got ${x.toString()}.`);
  let y = x;
  if (!(outW === w && isIdentity(mw, w))) {
    const mwT = transposeMatrix(mw, outW, w);
    y = op.matmul(y, g.constant(asDtype(mwT, x), x.dtype, [w, outW], `${base}_w`));
  }
  if (!(outH === h && isIdentity(mh, h))) y = op.matmul(g.constant(asDtype(mh, x), x.dtype, [outH, h], `${base}_h`), y);
  return y;
}

/** F.interpolate(x, size=[outH, outW], mode='bilinear', align_corners). */
export function resizeBilinear(x: Value, outH: number, outW: number, alignCorners = false): Value {
  return applySeparable(x, bilinearMatrix(x.shape[2] as number, outH, alignCorners), outH, bilinearMatrix(x.shape[3] as number, outW, alignCorners), outW, 'resize');
}

/** F.adaptive_avg_pool2d(x, [outH, outW]). */
export function adaptiveAvgPool2d(x: Value, outH: number, outW = outH): Value {
  return applySeparable(x, adaptivePoolMatrix(x.shape[2] as number, outH), outH, adaptivePoolMatrix(x.shape[3] as number, outW), outW, 'pool');
}

function transposeMatrix(m: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = m[i * cols + j];
  return t;
}

function isIdentity(m: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (m[i * n + j] !== (i === j ? 1 : 0)) return false;
  return true;
}
