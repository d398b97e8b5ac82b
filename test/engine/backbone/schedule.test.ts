import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readNpy } from '../../../src/engine/backbone/npy';
import { alphasCumprod, ddimStepInPlace, ddimTimesteps, inversionSteps } from '../../../src/engine/backbone/schedule';

const golden = 'test/fixtures/backbone/golden';
const manifest = JSON.parse(readFileSync(join(golden, 'manifest.json'), 'utf8'));
const sd21 = manifest.scheduler_config;

describe('diffusion schedule', () => {
  it('ᾱ equals torch (1 − linspace(√β0, √β1, 1000)²).cumprod() bit for bit', () => {
    const want = readNpy(join(golden, 'alphas_cumprod.npy')).data;
    const got = alphasCumprod(sd21);
    let mismatches = 0;
    for (let i = 0; i < 1000; i++) if (got[i] !== want[i]) mismatches++;
    expect(mismatches).toBe(0);
    // the values method.md quotes
    expect(got[1]).toBeCloseTo(0.9983, 4);
    expect(got[21]).toBeCloseTo(0.9804, 4);
    expect(got[61]).toBeCloseTo(0.9398, 4);
    expect(got[161]).toBeCloseTo(0.8121, 4);
  });

  it('DDIM grid of diffusers 0.17 with steps_offset 1 is 981 … 21, 1', () => {
    const t = ddimTimesteps(sd21, 50);
    expect(t.length).toBe(50);
    expect(t.slice(0, 2)).toEqual([981, 961]);
    expect(t.slice(-2)).toEqual([21, 1]);
  });

  it('the inversion makes 10 calls: t = −1, 1, 21, …, 161 labelled 49 … 40', () => {
    const s = inversionSteps(sd21);
    expect(s.map((x) => x.t)).toEqual([-1, 1, 21, 41, 61, 81, 101, 121, 141, 161]);
    expect(s.map((x) => x.tNext)).toEqual([1, 21, 41, 61, 81, 101, 121, 141, 161, 181]);
    expect(s.map((x) => x.label)).toEqual([49, 48, 47, 46, 45, 44, 43, 42, 41, 40]);
    expect(s[0].alpha).toBe(1);
    expect(inversionSteps(sd21, [49]).length).toBe(1);
    expect(() => inversionSteps(sd21, [50])).toThrow(/labels/);
  });

  it('a DDIM step with ā = 1 at t = −1 gives x_next = √ā_next·x + √(1−ā_next)·out', () => {
    const x = Float32Array.from([1, -2]);
    const out = Float32Array.from([0.5, 0.25]);
    const an = 0.9983;
    ddimStepInPlace(x, out, 1, an);
    expect(x[0]).toBeCloseTo(Math.sqrt(an) * 1 + Math.sqrt(1 - an) * 0.5, 6);
    expect(x[1]).toBeCloseTo(Math.sqrt(an) * -2 + Math.sqrt(1 - an) * 0.25, 6);
  });
});
