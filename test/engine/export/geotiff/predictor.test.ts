import { describe, expect, it } from 'vitest';
import { BaseDecoder } from 'geotiff';
import { floatingPointDifference, horizontalDifference } from '../../../../src/engine/export/geotiff/predictor';

// geotiff.js's predictor decoding, an independent implementation of the inverse (the raw decoder
// leaves the bytes as they are, so only the predictor is undone).
class RawDecoder extends BaseDecoder {
  override decodeBlock(buffer: ArrayBufferLike) { return buffer; }
}
function applyPredictor(block: ArrayBufferLike, predictor: number, width: number, height: number, bitsPerSample: number[], planar: number): Promise<ArrayBufferLike> {
  return new RawDecoder({ tileWidth: width, tileHeight: height, predictor, bitsPerSample, planarConfiguration: planar }).decode(block);
}

describe('horizontal differencing (predictor 2)', () => {
  it('differences each channel against its left neighbour, wrapping modulo 256', () => {
    // 2 rows × 3 pixels × 2 channels.
    const b = new Uint8Array([10, 200, 12, 100, 255, 0, 5, 5, 5, 5, 5, 5]);
    horizontalDifference(b, 3, 2, 2, 1);
    expect([...b]).toEqual([10, 200, 2, 156, 243, 156, 5, 5, 0, 0, 0, 0]);
  });

  it('works on 16-bit samples (int16 bit patterns) and round-trips through geotiff.js', async () => {
    const v = new Int16Array([-32768, 32767, -1, 0, 1000, -1000, 7, 7]);
    const bytes = new Uint8Array(v.buffer.slice(0));
    horizontalDifference(bytes, 4, 2, 1, 2);
    expect([...new Uint16Array(bytes.buffer)]).toEqual([32768, 65535, 32768, 1, 1000, 63536, 1007, 0]);
    const back = applyPredictor(bytes.buffer, 2, 4, 2, [16], 1);
    expect([...new Int16Array(await back)]).toEqual([...v]);
  });

  it('round-trips 32-bit samples through geotiff.js', async () => {
    const v = new Uint32Array([4294967295, 0, 1, 123456789, 5, 4294967290]);
    const bytes = new Uint8Array(v.buffer.slice(0));
    horizontalDifference(bytes, 3, 2, 1, 4);
    expect([...new Uint32Array(await applyPredictor(bytes.buffer, 2, 3, 2, [32], 1))]).toEqual([...v]);
  });
});

describe('floating-point differencing (predictor 3)', () => {
  it('splits bytes into big-endian planes, then differences bytes (hand-computed)', () => {
    // One row of two float32: 1.0 = 3F800000, 2.0 = 40000000 (big-endian bytes).
    const bytes = new Uint8Array(new Float32Array([1, 2]).buffer);
    floatingPointDifference(bytes, 2, 1, 1, 4);
    // Planes: [3F 40][80 00][00 00][00 00] → differences: 3F, 01, 40, 80, 00, 00, 00, 00.
    expect([...bytes]).toEqual([0x3f, 0x01, 0x40, 0x80, 0, 0, 0, 0]);
  });

  it('round-trips float32 and float64 rows with several channels through geotiff.js', async () => {
    const f32 = new Float32Array([1.5, -2.25, NaN, 3e38, -0, 1e-40, 7, 8, 9, 10, 11, 12]);
    const b32 = new Uint8Array(f32.buffer.slice(0));
    floatingPointDifference(b32, 3, 2, 2, 4);
    const back32 = new Float32Array(await applyPredictor(b32.buffer, 3, 3, 2, [32, 32], 1));
    expect(Object.is(back32[4], -0)).toBe(true);
    expect([...back32].map(String)).toEqual([...f32].map(String));
    const f64 = new Float64Array([Math.PI, -1e300, 0.1, 42]);
    const b64 = new Uint8Array(f64.buffer.slice(0));
    floatingPointDifference(b64, 2, 2, 1, 8);
    expect([...new Float64Array(await applyPredictor(b64.buffer, 3, 2, 2, [64], 1))]).toEqual([...f64]);
  });
});
