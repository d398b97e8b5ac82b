import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SatError } from '../../../../src/shared/errors';
import { bfloat16ToFloat32, float32ToBfloat16 } from '../../../../src/engine/nn/weights/dtypes';
import { SafetensorsReader, writeSafetensors } from '../../../../src/engine/nn/weights/safetensors';

const dir = 'test/fixtures/backbone/weights';

describe('safetensors', () => {
  it('reads F32/F16/BF16 written by Python from the spec', () => {
    const want = JSON.parse(readFileSync(join(dir, 'mixed.json'), 'utf8')) as Record<string, number[]>;
    const r = new SafetensorsReader(join(dir, 'mixed.safetensors'));
    expect(r.metadata).toEqual({ format: 'pt' });
    expect(r.info('a.f32')).toMatchObject({ dtype: 'float32', shape: [2, 3] });
    expect(r.info('b.f16').dtype).toBe('float16');
    expect(r.info('c.bf16').dtype).toBe('bfloat16');
    for (const [k, v] of Object.entries(want)) expect(Array.from(r.readFloat32(k))).toEqual(v.map(Math.fround));
    r.close();
  });

  it('round-trips fp32 exactly and fp16/bf16 with round-to-nearest-even', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'st-'));
    const p = join(tmp, 'x.safetensors');
    const x = Float32Array.from([1, -2.5, 0.1, 1e-3, 3.14159, 65504, 1 + 2 ** -11, 1 + 3 * 2 ** -11]);
    writeSafetensors(p, [
      { name: 'w32', shape: [2, 4], data: x },
      { name: 'w16', shape: [8], data: x, dtype: 'float16' },
      { name: 'wbf', shape: [8], data: () => x, dtype: 'bfloat16' },
    ], { note: 'hi' });
    const r = new SafetensorsReader(p);
    expect(r.metadata).toEqual({ note: 'hi' });
    expect(Array.from(r.readFloat32('w32'))).toEqual(Array.from(x));
    const h = Array.from(r.readFloat32('w16'));
    // half spacing at 1 is 2^-10: 1 + 2^-11 is a tie -> even (1); 1 + 3·2^-11 is a tie -> even (1 + 2^-9)
    expect(h[6]).toBe(1);
    expect(h[7]).toBe(1 + 2 ** -9);
    expect(h[0]).toBe(1);
    expect(h[5]).toBe(65504);
    const b = Array.from(r.readFloat32('wbf'));
    expect(b[0]).toBe(1);
    expect(b[1]).toBe(-2.5);
    expect(b[4]).toBe(3.140625); // pi rounded to 8 significant bits
    r.close();
    // the file layout is the reference one: header length, JSON padded with spaces to 8 bytes, then data
    const raw = readFileSync(p);
    const n = Number(raw.readBigUInt64LE(0));
    expect(n % 8).toBe(0);
    expect(raw.length).toBe(8 + n + 8 * 4 + 8 * 2 + 8 * 2);
  });

  it('bfloat16 conversion matches torch on ties and NaN', () => {
    const x = Float32Array.from([1 + 2 ** -8, 1 + 3 * 2 ** -8, NaN, -0, Infinity]);
    const back = bfloat16ToFloat32(float32ToBfloat16(x));
    expect(back[0]).toBe(1); // tie -> even
    expect(back[1]).toBe(1 + 2 ** -6);
    expect(Number.isNaN(back[2])).toBe(true);
    expect(Object.is(back[3], -0)).toBe(true);
    expect(back[4]).toBe(Infinity);
  });

  it('rejects a header that lies about offsets', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'st-'));
    const p = join(tmp, 'bad.safetensors');
    const h = Buffer.from(JSON.stringify({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 8] } }));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(h.length));
    writeFileSync(p, Buffer.concat([len, h, Buffer.alloc(16)]));
    expect(() => new SafetensorsReader(p)).toThrow(SatError);
    try {
      new SafetensorsReader(p);
    } catch (e) {
      expect((e as SatError).code).toBe('CORRUPT_WEIGHTS');
    }
  });
});
