// Turns ../shared/data/dubai (RGB colour masks) into label rasters + dataset manifests in a git-ignored work folder,
// and derives the patch-classification set ("derived from Dubai masks": 64×64 windows ≥ 90 % one class, split by
// tile, capped per class). Nothing from ../shared is copied: manifests point at the original JPEGs; only the label
// PNGs (class ids, 255 = ignore) and window lists are written.
//
//   node --import tsx tools/datasets/dubai.ts [--shared ../shared] [--out tools/datasets/work/dubai]
//        [--patch 64] [--purity 0.9] [--cap-train 150] [--cap-eval 60] [--seed 0]
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PNG } from 'pngjs';
import { colourMaskToClassIds, hexColour, type ColourClass } from '../../src/engine/heads/labels/colourMask';
import { capPerClass, purePatches, type PurePatch } from '../../src/engine/heads/labels/patches';
import { IGNORE_INDEX } from '../../src/engine/heads/metrics';
import { createRng } from '../../src/engine/heads/random';
import { jpegSize } from './jpegSize';

// From ../shared/data/dubai/README.md (NOT classes.json.original, whose colours do not match the pixels).
export const DUBAI_CLASSES: readonly (ColourClass & { name: string })[] = [
  { id: 0, name: 'Building', rgb: [60, 16, 152] },
  { id: 1, name: 'Land (unpaved area)', rgb: [132, 41, 246] },
  { id: 2, name: 'Road', rgb: [110, 193, 228] },
  { id: 3, name: 'Vegetation', rgb: [254, 221, 58] },
  { id: 4, name: 'Water', rgb: [226, 169, 41] },
  { id: 5, name: 'Unlabeled', rgb: [155, 155, 155] },
];
const IGNORE_COLOURS: ColourClass[] = [{ id: IGNORE_INDEX, rgb: [0, 0, 0] }];
export const TRAIN_TILES = [1, 2, 3, 4, 5];
export const EVAL_TILES = [6];

function main(): void {
  const { values } = parseArgs({
    options: {
      shared: { type: 'string', default: resolve('..', 'shared') },
      out: { type: 'string', default: resolve('tools/datasets/work/dubai') },
      patch: { type: 'string', default: '64' },
      purity: { type: 'string', default: '0.9' },
      'cap-train': { type: 'string', default: '150' },
      'cap-eval': { type: 'string', default: '60' },
      seed: { type: 'string', default: '0' },
    },
  });
  const root = join(resolve(values.shared!), 'data', 'dubai');
  const out = resolve(values.out!);
  const size = Number(values.patch);
  const purity = Number(values.purity);
  const table = [...DUBAI_CLASSES, ...IGNORE_COLOURS];
  const classes = DUBAI_CLASSES.map((c) => ({ id: c.id, name: c.name, color: hexColour(c.rgb) }));
  mkdirSync(join(out, 'patches'), { recursive: true });
  writeFileSync(join(out, 'classes.json'), JSON.stringify(classes, null, 1) + '\n');
  writeFileSync(join(out, 'patches', 'classes.json'), JSON.stringify(classes, null, 1) + '\n');

  const seg: Record<'train' | 'eval', { raster: string; labels: string }[]> = { train: [], eval: [] };
  const patches: Record<'train' | 'eval', (PurePatch & { raster: string })[]> = { train: [], eval: [] };
  const pixelCounts: Record<'train' | 'eval', number[]> = { train: new Array(7).fill(0), eval: new Array(7).fill(0) };
  for (const tile of [...TRAIN_TILES, ...EVAL_TILES]) {
    const split = TRAIN_TILES.includes(tile) ? 'train' : 'eval';
    const dir = join(root, `tile_${tile}`);
    for (const name of readdirSync(join(dir, 'masks')).filter((f) => f.endsWith('.png')).sort()) {
      const image = join(dir, 'images', name.replace(/\.png$/, '.jpg'));
      // pngjs expands palette PNGs (tiles 2 and 4) to RGBA
      const mask = PNG.sync.read(readFileSync(join(dir, 'masks', name)));
      const { width, height } = jpegSize(readFileSync(image));
      if (width !== mask.width || height !== mask.height) throw new Error(`${image}: image ${width}×${height} but mask ${mask.width}×${mask.height}`);
      const { classIds, unmatched, unmatchedColours } = colourMaskToClassIds(mask.data, 4, table);
      if (unmatched > 0) throw new Error(`${name} in tile ${tile}: ${unmatched} pixels of unknown colours ${unmatchedColours.join(', ')}`);
      const labelPath = join(out, 'labels', `tile_${tile}`, name);
      mkdirSync(join(out, 'labels', `tile_${tile}`), { recursive: true });
      const png = new PNG({ width, height, colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8 });
      png.data = Buffer.from(classIds.buffer, classIds.byteOffset, classIds.byteLength);
      writeFileSync(labelPath, PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false }));
      seg[split].push({ raster: image, labels: labelPath });
      for (const v of classIds) pixelCounts[split][v === IGNORE_INDEX ? 6 : v]!++;
      for (const p of purePatches(classIds, width, height, size, purity, DUBAI_CLASSES.length)) patches[split].push({ ...p, raster: image });
    }
  }
  writeFileSync(join(out, 'train.json'), JSON.stringify(seg.train, null, 1) + '\n');
  writeFileSync(join(out, 'eval.json'), JSON.stringify(seg.eval, null, 1) + '\n');
  const rng = createRng(Number(values.seed));
  const summary: Record<string, unknown> = {
    name: 'Dubai aerial imagery (Humans in the Loop, CC0 1.0), label rasters + patch set derived from Dubai masks',
    trainTiles: TRAIN_TILES, evalTiles: EVAL_TILES, pixels: pixelCounts, classes,
    patch: { size, purity, seed: Number(values.seed) },
  };
  for (const split of ['train', 'eval'] as const) {
    const cap = Number(values[split === 'train' ? 'cap-train' : 'cap-eval']);
    const kept = capPerClass(patches[split], cap, rng);
    writeFileSync(join(out, 'patches', `${split}.json`), JSON.stringify(kept.map((p) => ({ raster: p.raster, class: p.classId, window: [p.x, p.y, p.size, p.size] }))) + '\n');
    const count = (list: { classId: number }[]) => DUBAI_CLASSES.map((c) => list.filter((p) => p.classId === c.id).length);
    summary[`patches_${split}`] = { available: count(patches[split]), kept: count(kept), cap };
  }
  writeFileSync(join(out, 'SUMMARY.json'), JSON.stringify(summary, null, 1) + '\n');
  process.stdout.write(JSON.stringify(summary, null, 1) + '\n');
}

main();
