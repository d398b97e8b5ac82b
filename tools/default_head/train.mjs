#!/usr/bin/env node
// Trains the default backbone's demonstration head, models/satdifuser-tiny/heads/sample-landcover, with the
// project's own CLI, reproducibly (fixed seed, one thread), and measures it honestly:
//
//   node tools/default_head/train.mjs [--out <head folder>] [--backbone default] [--seed 0] [--epochs 12]
//                                     [--bands 3,2,1] [--windows 3] [--folds 3] [--threads 1] [--plain]
//                                     [--baseline pixels|none] [--scene <raster>]
//
// Data: the 21 sample-scene polygons (test/fixtures/heads/sample_labels.geojson: 7 water, 7 vegetation, 7 built-up,
// 8×8 px each, drawn by tools/datasets/sample_labels.py from spectral rules) on the bundled Landsat 7 scene.
//
// Windows, not the padded scene: the scene is 349×352, so `train --raster` sees it as four 256² tiles at x, y = 0
// and 256, the right and bottom ones mostly zero padding, and every sea polygon lies on the east coast next to that
// padding. The head then keys on the padding, and a segmentation (whose tiles are moved back inside the raster,
// never padded) disagrees even with its training polygons (`--plain` reproduces that run). So the script cuts a
// windows×windows lattice of georeferenced 256² windows spanning the scene (gdal_translate -srcwin; offsets from 0
// to the far edge) and trains on those with `satdifuser train --dataset`: every polygon is seen, unpadded, at
// several places in a tile, as the segmentation pipeline will show it.
//
// Holdout: `--folds`-fold cross-validation by polygon. The polygons of each class are shuffled (seeded) and dealt
// round-robin into the folds, so each fold holds out about a third of every class; the head of round k never sees
// its fold (train --no-holdout on the rest), then segments the whole scene with `satdifuser segment` (what a user
// runs) and the held-out polygons are scored on that mask with GDAL (agreement.py). Pooling the rounds scores every
// polygon exactly once as unseen data. Three folds keep the CPU cost modest (one extraction of the windows, shared
// by every round through the feature cache). The shipped head is then trained on all 21 polygons,
// and its scene mask is compared with the spectral rules. `--baseline pixels` runs the same cross-validation with
// the pixels backbone (no diffusion features) for comparison. Everything goes to <out>/evaluation.json, and the
// model card (<out>/model_card.md, card.mjs) is written from it.
//
// Needs gdal_translate and /usr/bin/python3 with python3-gdal and numpy. Intermediate files: tools/default_head/work/
// (git-ignored), or $DEFAULT_HEAD_WORK for side experiments (use a path under a work/ folder so git ignores it).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { modelCard } from './card.mjs';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const here = join(root, 'tools', 'default_head');
const { values: opt } = parseArgs({
  options: {
    out: { type: 'string', default: join(root, 'models', 'satdifuser-tiny', 'heads', 'sample-landcover') },
    backbone: { type: 'string', default: 'default' },
    threads: { type: 'string', default: '1' },
    seed: { type: 'string', default: '0' },
    epochs: { type: 'string', default: '12' },
    bands: { type: 'string', default: '3,2,1' },
    windows: { type: 'string', default: '3' },
    folds: { type: 'string', default: '3' },
    plain: { type: 'boolean', default: false },
    baseline: { type: 'string', default: 'pixels' },
    scene: { type: 'string' },
  },
});
// --scene: the same scene prepared differently (e.g. contrast-stretched), for experiments; the polygons are georeferenced.
const scene = opt.scene ? resolve(opt.scene) : join(root, 'resources', 'sample', 'L7_ETMs.tif');
const labels = join(root, 'test', 'fixtures', 'heads', 'sample_labels.geojson');
const work = process.env.DEFAULT_HEAD_WORK ? resolve(process.env.DEFAULT_HEAD_WORK) : join(here, 'work');
const out = resolve(opt.out);
const seed = Number(opt.seed);
const TILE = 256;
// ColorBrewer "Paired": water blue, vegetation green, built-up red.
const CLASSES = [
  { id: 0, name: 'water', color: '#1F78B4' },
  { id: 1, name: 'vegetation', color: '#33A02C' },
  { id: 2, name: 'built-up', color: '#E31A1C' },
];

function run(cmd, args, { capture = false } = {}) {
  const shown = [cmd === process.execPath ? 'node' : cmd, ...args].map((a) => (a.startsWith(root) ? relative(root, a) || '.' : a)).join(' ');
  process.stderr.write(`$ ${shown}\n`);
  // The CLI's own output goes to stderr, so stdout carries only this script's JSON summary.
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', capture ? 'pipe' : 2, 'inherit'], maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${shown} failed (exit ${r.status ?? r.signal})`);
  return { stdout: r.stdout ?? '', command: shown };
}

const cli = (args, o) => run(process.execPath, [join(root, 'bin', 'satdifuser.mjs'), ...args], o);

/** mulberry32: a small seeded generator, so the folds are the same on every machine. */
function rng(s) {
  let a = s >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled(items, random) {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** Per-class IoU / F1 / precision / recall, mIoU and overall accuracy from a confusion matrix (rows = truth). */
function scores(confusion) {
  const n = confusion.length;
  const total = confusion.flat().reduce((s, v) => s + v, 0);
  let correct = 0;
  const perClass = {};
  for (let c = 0; c < n; c++) {
    const tp = confusion[c][c];
    const truth = confusion[c].reduce((s, v) => s + v, 0);
    const predicted = confusion.reduce((s, row) => s + row[c], 0);
    correct += tp;
    const r4 = (v) => Math.round(v * 1e4) / 1e4;
    perClass[CLASSES[c].name] = {
      iou: r4(tp / (truth + predicted - tp || 1)), f1: r4((2 * tp) / (truth + predicted || 1)),
      precision: predicted ? r4(tp / predicted) : null, recall: truth ? r4(tp / truth) : null, support: truth,
    };
  }
  const ious = Object.values(perClass).map((p) => p.iou);
  return { mIoU: Math.round((1e4 * ious.reduce((s, v) => s + v, 0)) / n) / 1e4, overallAccuracy: Math.round((1e4 * correct) / total) / 1e4, pixels: total, perClass, confusion };
}

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const started = Date.now();
const doc = JSON.parse(readFileSync(labels, 'utf8'));
writeFileSync(join(work, 'classes.json'), JSON.stringify(CLASSES));

// The windows: a lattice from offset 0 to the far edge in each direction.
const info = JSON.parse(run('gdalinfo', ['-json', scene], { capture: true }).stdout);
const [width, height] = info.size;
const steps = Number(opt.windows);
const lattice = (n, span) => Array.from({ length: n }, (_, i) => (n === 1 ? 0 : Math.round((i * span) / (n - 1))));
const windows = [];
if (!opt.plain) {
  for (const y of lattice(steps, height - TILE)) {
    for (const x of lattice(steps, width - TILE)) {
      const file = join(work, `window_${x}_${y}.tif`);
      run('gdal_translate', ['-q', '-srcwin', String(x), String(y), String(TILE), String(TILE), scene, file]);
      windows.push({ x, y, file });
    }
  }
}

const store = join(work, 'features.db');
const trainArgs = (dir, polygons, headOut, backbone = opt.backbone) => {
  const rasters = opt.plain ? [scene] : windows.map((w) => w.file);
  writeFileSync(join(dir, 'train.json'), JSON.stringify(rasters.map((r) => ({ raster: r, labels: polygons }))));
  writeFileSync(join(dir, 'classes.json'), JSON.stringify(CLASSES));
  return ['train', '--task', 'seg', '--fusion', 'gw', '--size', 'light', '--backbone', backbone, '--bands', opt.bands, '--seed', String(seed),
    '--epochs', opt.epochs, '--no-holdout', '--threads', opt.threads, '--store', store, '--name', 'sample-landcover',
    '--dataset', join(dir, 'train.json'), '--out', headOut];
};
const segmentAndScore = (head, dir, polygonFiles) => {
  const mask = join(dir, 'scene_classes.tif');
  cli(['segment', scene, '--head', head, '--out', mask, '--store', store, '--threads', opt.threads]);
  return JSON.parse(run('/usr/bin/python3', [join(here, 'agreement.py'), scene, mask, ...polygonFiles], { capture: true }).stdout);
};

// Cross-validation by polygon.
const random = rng(seed);
const byClass = CLASSES.map((c) => shuffled(doc.features.map((f, i) => (f.properties.class_id === c.id ? i : -1)).filter((i) => i >= 0), random));
const folds = Math.min(Number(opt.folds), ...byClass.map((l) => l.length));
const foldOf = new Map(byClass.flatMap((l) => l.map((i, r) => [i, r % folds])));
function crossValidate(backbone, tag) {
  const pooled = CLASSES.map(() => CLASSES.map(() => 0));
  const rounds = [];
  let polygons = 0;
  let majorityRight = 0;
  for (let k = 0; k < folds; k++) {
    const dir = join(work, `${tag}fold_${k}`);
    mkdirSync(dir, { recursive: true });
    const held = new Set(byClass.flatMap((l) => l.filter((i) => foldOf.get(i) === k)));
    writeFileSync(join(dir, 'train.geojson'), JSON.stringify({ ...doc, features: doc.features.filter((_, i) => !held.has(i)) }));
    writeFileSync(join(dir, 'holdout.geojson'), JSON.stringify({ ...doc, features: doc.features.filter((_, i) => held.has(i)) }));
    cli(trainArgs(dir, 'train.geojson', join(dir, 'head'), backbone));
    const s = segmentAndScore(join(dir, 'head'), dir, [join(dir, 'holdout.geojson')]).polygons['holdout.geojson'];
    s.confusion.forEach((row, t) => row.forEach((v, p) => { pooled[t][p] += v; }));
    polygons += held.size;
    majorityRight += held.size - s.majorityWrong.length;
    rounds.push({ heldOut: [...held].sort((a, b) => a - b), agree: s.agree, majorityCorrect: s.majorityCorrect });
    process.stderr.write(`${backbone} fold ${k + 1}/${folds}: held-out polygons ${[...held].join(', ')}: ${(100 * s.agree).toFixed(1)} % of their pixels right\n`);
  }
  return { backbone, folds, rounds, heldOutPolygons: { ...scores(pooled), majorityCorrect: Math.round((1e4 * majorityRight) / polygons) / 1e4 } };
}

const crossValidation = crossValidate(opt.backbone, '');
// The same protocol on a baseline backbone (pixels: the image itself, no diffusion features), so the card says what
// the diffusion features add, or do not.
const baseline = opt.baseline === 'none' ? null : crossValidate(opt.baseline, `baseline_${opt.baseline}_`);

// The shipped head: every polygon.
const finalTrain = cli(trainArgs(work, labels, out)).command;
const scene_ = segmentAndScore(out, work, [labels]);
const card = JSON.parse(readFileSync(join(out, 'head.json'), 'utf8'));
const evaluation = {
  command: `node tools/default_head/train.mjs${process.argv.length > 2 ? ' ' + process.argv.slice(2).join(' ') : ''}`,
  train: finalTrain,
  seed,
  windows: windows.map(({ x, y }) => ({ x, y, width: TILE, height: TILE })),
  crossValidation,
  baseline,
  shippedHead: { trainingPolygons: scene_.polygons[labels.split('/').pop()], spectralRules: scene_.rules, classShare: scene_.classShare },
  weightsSha256: card.weights.sha256,
  backboneWeightsHash: card.backbone.weightsHash,
  seconds: Math.round((Date.now() - started) / 1000),
};
writeFileSync(join(out, 'evaluation.json'), JSON.stringify(evaluation, null, 1) + '\n');
writeFileSync(join(out, 'model_card.md'), modelCard(evaluation, card));
process.stdout.write(JSON.stringify({ crossValidation: crossValidation.heldOutPolygons, baseline: baseline?.heldOutPolygons, shippedHead: evaluation.shippedHead }, null, 1) + '\n');
