import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CARD_FORMAT, CARD_VERSION, checkCompatible, type HeadCard } from '../../../../src/engine/heads/artifact/card';
import { loadHead, saveHead } from '../../../../src/engine/heads/artifact/io';
import { diffusionSatLayout, makeSpec } from '../../../../src/engine/heads/spec';
import { SatError } from '../../../../src/shared/errors';

const spec = makeSpec({ task: 'seg', fusion: 'gw', size: 'light', layout: diffusionSatLayout([64, 128, 256, 256], 256), numClasses: 3 });
const card: Omit<HeadCard, 'weights'> = {
  format: CARD_FORMAT, formatVersion: CARD_VERSION, name: 'test head', createdAt: '2025-01-01T00:00:00Z', spec,
  backbone: { id: 'default-ldm', weightsHash: 'abc123' },
  classes: [{ id: 0, name: 'Water', color: '#0000FF' }, { id: 1, name: 'Land', color: '#00FF00' }, { id: 2, name: 'Road', color: '#FF0000' }],
  input: { bands: [2, 1, 0], bandCount: 3, normalization: { kind: 'fixed', min: 0, max: 255 }, tileSize: 256, gsdMetres: [0.5, 0.5] },
  training: null, metrics: null, parameters: 10,
};
const tensors = [
  { name: 'mixing_weights', shape: [63], data: Float32Array.from({ length: 63 }, (_, i) => i / 7) },
  { name: 'decoder_head.2.weight', shape: [3, 2], data: Float32Array.of(1, -2, 3.5, 4, 5, 6e-8) },
];

function saved() {
  const dir = join(mkdtempSync(join(tmpdir(), 'head-')), 'my.head');
  const full = saveHead(dir, card, tensors);
  return { dir, full };
}

describe('head artefact', () => {
  it('round-trips card and weights exactly, from the folder, head.json or the bare weights file', () => {
    const { dir, full } = saved();
    expect(full.weights.sha256).toMatch(/^[0-9a-f]{64}$/);
    for (const p of [dir, join(dir, 'head.json'), join(dir, 'weights.safetensors')]) {
      const h = loadHead(p);
      expect(h.card.name).toBe('test head');
      expect(h.card.spec).toEqual(spec);
      expect(Array.from(h.tensors.get('decoder_head.2.weight')!.data)).toEqual(Array.from(tensors[1]!.data));
      expect(h.tensors.get('mixing_weights')!.shape).toEqual([63]);
    }
  });

  it('refuses weights that were changed after saving', () => {
    const { dir } = saved();
    const w = join(dir, 'weights.safetensors');
    const bytes = readFileSync(w);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(w, bytes);
    expect(() => loadHead(dir)).toThrow(/do not match its card/);
  });

  it('refuses a newer card format and a file that is not a head', () => {
    const { dir } = saved();
    const c = JSON.parse(readFileSync(join(dir, 'head.json'), 'utf8'));
    writeFileSync(join(dir, 'head.json'), JSON.stringify({ ...c, formatVersion: CARD_VERSION + 1 }));
    expect(() => loadHead(dir)).toThrow(/Update SatDiFuser Studio|format version/);
    writeFileSync(join(dir, 'head.json'), JSON.stringify({ hello: 1 }));
    expect(() => loadHead(dir)).toThrow(/not a SatDiFuser head card/);
  });

  it('refuses a head whose backbone or bands do not match, saying what to do', () => {
    const { full } = saved();
    expect(() => checkCompatible(full, { id: 'default-ldm', weightsHash: 'abc123' }, { bandCount: 3 })).not.toThrow();
    const other = (() => { try { checkCompatible(full, { id: 'diffusionsat-256', weightsHash: 'x' }); } catch (e) { return e as SatError; } })();
    expect(other?.code).toBe('MODEL_MISMATCH');
    expect(other?.message).toMatch(/trained on the backbone "default-ldm", not "diffusionsat-256"/);
    expect(() => checkCompatible(full, { id: 'default-ldm', weightsHash: 'zzz' })).toThrow(/different version of the backbone/);
    expect(() => checkCompatible(full, { id: 'default-ldm', weightsHash: 'abc123' }, { bandCount: 2, path: 'pan.tif' })).toThrow(/reads bands 3, 2, 1, but "pan.tif" has 2 bands/);
  });
});
