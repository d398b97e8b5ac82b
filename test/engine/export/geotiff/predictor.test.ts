import { describe, expect, it } from 'vitest';
import { BaseDecoder } from 'geotiff';
import { floatingPointDifference } from '../../../../src/engine/export/geotiff/predictor';
import { encodeTile } from '../../../../src/engine/export/geotiff/tile-encoder';
import { sampleType, type SampleArray } from '../../../../src/engine/export/geotiff/sample-type';
import type { RasterDataType } from '../../../../src/shared/raster';

/** Predictor 2 as the writer applies it: tiles of `size`², uncompressed, pixel- or band-interleaved. */
async function horizontal(bands: SampleArray[], dataType: RasterDataType, size: number, interleave: 'pixel' | 'band' = 'pixel'): Promise<Uint8Array[]> {
  return encodeTile(bands, { type: sampleType(dataType)!, tileSize: size, bands: bands.length, interleave, compression: 'none', level: 6, predictor: 2 });
}

// geotiff.js's predictor decoding, an independent implementation of the inverse (the raw decoder
// leaves the bytes as they are, so only the predictor is undone).
class RawDecoder extends BaseDecoder {
  override decodeBlock(buffer: ArrayBufferLike) { return buffer; }
}
function applyPredictor(block: ArrayBufferLike, predictor: number, width: number, height: number, bitsPerSample: number[], planar: number): Promise<ArrayBufferLike> {
  return new RawDecoder({ tileWidth: width, tileHeight: height, predictor, bitsPerSample, planarConfiguration: planar }).decode(block);
}

describe('horizontal differencing (predictor 2), fused with interleaving', () => {
  it('differences each channel against its left neighbour, wrapping modulo 256', async () => {
    // A 2×2 tile, two bands, pixel-interleaved: row 0 = (10,200) (12,100); row 1 = (255,0) (5,5).
    const [plane] = await horizontal([new Uint8Array([10, 12, 255, 5]), new Uint8Array([200, 100, 0, 5])], 'uint8', 2);
    expect([...plane]).toEqual([10, 200, 2, 156, 255, 0, 6, 5]);
  });

  it('gives one differenced plane per band with band interleave', async () => {
    const planes = await horizontal([new Uint8Array([1, 3, 7, 4]), new Uint8Array([9, 9, 0, 255])], 'uint8', 2, 'band');
    expect(planes.map((p) => [...p])).toEqual([[1, 2, 7, 253], [9, 0, 0, 255]]);
  });

  it('works on 16-bit samples (int16 bit patterns) and round-trips through geotiff.js', async () => {
    const v = new Int16Array([-32768, 32767, -1, 0, 1000, -1000, 7, 7, 0, 0, 0, 0, 0, 0, 0, 0]);
    const [plane] = await horizontal([v], 'int16', 4);
    expect([...new Uint16Array(plane.buffer, plane.byteOffset, 8)]).toEqual([32768, 65535, 32768, 1, 1000, 63536, 1007, 0]);
    const back = await applyPredictor(plane.slice().buffer, 2, 4, 4, [16], 1);
    expect([...new Int16Array(back)]).toEqual([...v]);
  });

  it('round-trips 32-bit samples with three interleaved bands through geotiff.js', async () => {
    const bands = [0, 1, 2].map((b) => Uint32Array.from({ length: 16 }, (_, i) => (i * 2654435761 + b * 4294967295) % 4294967296));
    const [plane] = await horizontal(bands, 'uint32', 4);
    const back = new Uint32Array(await applyPredictor(plane.slice().buffer, 2, 4, 4, [32, 32, 32], 1));
    expect(Array.from({ length: 16 }, (_, i) => [back[3 * i], back[3 * i + 1], back[3 * i + 2]])).toEqual(Array.from({ length: 16 }, (_, i) => bands.map((b) => b[i])));
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
