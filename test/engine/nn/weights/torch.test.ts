import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SatError } from '../../../../src/shared/errors';
import { openWeights } from '../../../../src/engine/nn/weights/open';
import { SafetensorsReader } from '../../../../src/engine/nn/weights/safetensors';
import { TorchCheckpointReader } from '../../../../src/engine/nn/weights/torch';

// Fixtures written by real PyTorch: tools/reference/make_weight_fixtures.py.
const dir = 'test/fixtures/backbone/weights';
const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Record<string, { dtype: string; shape: number[]; values: (number | boolean)[] }>;
const dtypeName: Record<string, string> = { float32: 'float32', float16: 'float16', bfloat16: 'bfloat16', float64: 'float64', int64: 'int64', bool: 'bool' };

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof SatError ? e.code : `not a SatError: ${String(e)}`;
  }
  return undefined;
}

describe('PyTorch zip checkpoints', () => {
  for (const file of ['state.bin', 'wrapped.pth']) {
    it(`reads every tensor of ${file} as torch saved it (dtypes, strided views, offsets, shared storages)`, () => {
      const r = openWeights(join(dir, file));
      expect(r.format).toBe('torch-zip');
      expect(r.list().map((t) => t.name).sort()).toEqual(Object.keys(expected).sort());
      for (const [name, want] of Object.entries(expected)) {
        const info = r.info(name);
        expect(info.dtype).toBe(dtypeName[want.dtype]);
        expect(info.shape).toEqual(want.shape);
        const got = Array.from(r.readFloat32(name));
        const values = want.values.map((v) => (typeof v === 'boolean' ? Number(v) : v));
        // float64/int64 are narrowed to float32, so compare at float32 precision
        expect(got).toEqual(values.map((v) => Math.fround(v)));
      }
      r.close();
    });
  }

  it('returns raw bytes in the stored dtype (fp16 bits untouched)', () => {
    const r = new TorchCheckpointReader(join(dir, 'state.bin'));
    const bytes = r.readBytes('half');
    expect(bytes.byteLength).toBe(10);
    const halves = new Uint16Array(bytes.slice().buffer);
    const back = Array.from(halves, (h) => {
      const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 31, m = h & 1023;
      return e === 0 ? s * m * 2 ** -24 : s * (1 + m / 1024) * 2 ** (e - 15);
    });
    expect(back).toEqual(expected.half.values);
    r.close();
  });

  it('refuses a pickle that calls os.system, naming the global, and runs nothing', () => {
    const marker = '/tmp/satdifuser-pickle-pwned';
    let err: unknown;
    try {
      openWeights(join(dir, 'evil.bin'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SatError);
    expect((err as SatError).code).toBe('UNSAFE_PICKLE');
    expect((err as SatError).message).toMatch(/posix\.system|os\.system/);
    expect(existsSync(marker)).toBe(false);
  });

  it('rejects the legacy (pre-1.6) format with advice, and garbage as corrupt', () => {
    expect(code(() => openWeights(join(dir, 'legacy.bin')))).toBe('UNSUPPORTED_FORMAT');
    const tmp = mkdtempSync(join(tmpdir(), 'w-'));
    const bad = join(tmp, 'bad.bin');
    const good = readFileSync(join(dir, 'state.bin'));
    writeFileSync(bad, good.subarray(0, good.length - 30)); // truncated: the directory is gone
    expect(code(() => openWeights(bad))).toBe('CORRUPT_WEIGHTS');
    expect(code(() => openWeights(join(tmp, 'missing.bin')))).toBe('FILE_NOT_FOUND');
    // Each reader opened directly (not through openWeights) reports a missing file the same way.
    expect(code(() => new TorchCheckpointReader(join(tmp, 'missing.bin')))).toBe('FILE_NOT_FOUND');
    expect(code(() => new SafetensorsReader(join(tmp, 'missing.safetensors')))).toBe('FILE_NOT_FOUND');
  });

  it('names a tensor the checkpoint does not have', () => {
    const r = openWeights(join(dir, 'state.bin'));
    expect(code(() => r.info('nope'))).toBe('MODEL_MISMATCH');
    r.close();
  });
});
