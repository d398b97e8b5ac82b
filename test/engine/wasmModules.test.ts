// The committed WebAssembly modules are what their .wat sources assemble to (tools/build-wasm.mjs with wabt):
// an edit to a .wat file without `npm run build:wasm`, or to a generated module by hand, fails here.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module tool without type declarations
import { assembleModule, wasmSources } from '../../tools/build-wasm.mjs';

describe('WebAssembly modules', () => {
  const sources = wasmSources() as [string, string][];
  it('finds the engine’s .wat sources', () => {
    expect(sources.map(([w]) => w.replace(/.*\/src\//, 'src/'))).toEqual(['src/engine/jobs/wasm/blendBand.wat', 'src/engine/nn/wasm/halfDecoder.wat']);
  });
  for (const [wat, ts] of sources) {
    it(`${ts.replace(/.*\/src\//, 'src/')} matches ${wat.replace(/.*\/src\//, 'src/')}`, async () => {
      expect(readFileSync(ts, 'utf8')).toBe(await assembleModule(wat));
    });
  }
});
