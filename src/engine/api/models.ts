// The model catalogue the UI lists: backbones from the backbone model store (shipped models/ and the user's
// imported models), heads from the head store once it exists.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BackboneSummary } from '../../shared/contract';
import { listModels } from '../backbone/modelStore';

/** The baseline every install has: the tile's own pixels at the four tap scales, no network. */
export const PIXELS_BACKBONE: BackboneSummary = {
  id: 'pixels',
  name: 'Pixels only (baseline, no diffusion features)',
  description: 'The tile itself at the four tap scales: what a head learns without the diffusion backbone. For comparison and for machines without a backbone model.',
  inputBands: ['red', 'green', 'blue'],
  nativeTileSize: 256,
  isDefault: false,
};

export function listBackbones(): BackboneSummary[] {
  const out: BackboneSummary[] = [];
  for (const m of listModels()) {
    let card: Record<string, unknown>;
    try {
      card = JSON.parse(readFileSync(join(m.dir, 'backbone.json'), 'utf8')) as Record<string, unknown>;
    } catch {
      continue; // a half-written or damaged model folder is not offered
    }
    out.push({
      id: m.name,
      name: typeof card.name === 'string' ? card.name : m.name,
      description: typeof card.family === 'string' ? card.family : m.source === 'shipped' ? 'Default SatDiFuser backbone shipped with the app' : 'Imported backbone',
      inputBands: ['red', 'green', 'blue'],
      nativeTileSize: 256,
      isDefault: m.source === 'shipped',
    });
  }
  out.push(PIXELS_BACKBONE);
  return out;
}
