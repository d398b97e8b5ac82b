// A finished strip as it is journalled: header, the class mask, and probabilities quantised to bytes
// (p·255 rounded; 1/255 is finer than any head's calibration). The journal deflates it.
import type { Strip } from './rowStitcher';

export interface StoredStrip {
  readonly y: number;
  readonly height: number;
  readonly x: number;
  readonly width: number;
  /** Classes whose probabilities the strip carries: the head's, or 0 when the job computed none. */
  readonly classes: number;
  readonly mask: Uint8Array;
  /** classes × height × width, round(p·255). */
  readonly probabilities: Uint8Array;
}

export function quantizeProbabilities(p: Float32Array): Uint8Array {
  const out = new Uint8Array(p.length);
  for (let i = 0; i < p.length; i++) out[i] = Math.round(p[i] * 255);
  return out;
}

export function encodeStrip(s: Strip, classes: number): Uint8Array {
  const n = s.height * s.width;
  // A strip computed without probabilities is journalled as one of 0 classes: the mask alone.
  if (s.probabilities.length === 0) classes = 0;
  const out = new Uint8Array(20 + n + classes * n);
  new DataView(out.buffer).setInt32(0, s.y, true);
  new DataView(out.buffer).setInt32(4, s.height, true);
  new DataView(out.buffer).setInt32(8, s.x, true);
  new DataView(out.buffer).setInt32(12, s.width, true);
  new DataView(out.buffer).setInt32(16, classes, true);
  out.set(s.mask, 20);
  out.set(quantizeProbabilities(s.probabilities), 20 + n);
  return out;
}

export function decodeStrip(b: Uint8Array): StoredStrip {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const y = v.getInt32(0, true);
  const height = v.getInt32(4, true);
  const x = v.getInt32(8, true);
  const width = v.getInt32(12, true);
  const classes = v.getInt32(16, true);
  const n = height * width;
  if (b.length !== 20 + n + classes * n) throw new RangeError('strip length does not match its header');
  return { y, height, x, width, classes, mask: b.subarray(20, 20 + n), probabilities: b.subarray(20 + n) };
}
