// The honest evaluation of the heads on the Dubai set (tools/datasets/dubai.ts makes the manifests): train on tiles
// 1–5 (20 % of their images held out for early stopping), score once on tile 6, for every fusion × size ×
// backbone, and the same rows for the patch-classification set derived from the Dubai masks. Tile 6 is never used
// for any choice: the epoch is chosen on the tiles-1–5 holdout.
//
//   node --import tsx tools/datasets/evalTable.ts [--backbones default,random-init,pixels] [--fusions gw,lw,moe,concat]
//        [--sizes light,faithful] [--tasks seg,cls] [--epochs-light 3] [--epochs-faithful 2] [--threads 2] [--seed 0]
//        [--data tools/datasets/work/dubai] [--out tools/datasets/work/table]
//
// Writes <out>/results.json (appended as rows finish, so an interrupted run keeps what it did) and <out>/table.md.
// Backbones that are not installed are reported as skipped, rows never run as "not run (time)": nothing is silently
// dropped. A seed other than 0 reruns rows to measure run-to-run noise (head init, holdout split, crops, dropout);
// the random-init backbone then stays the seed-0 network so only the head's randomness changes.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadHead } from '../../src/engine/heads/artifact/io';
import { readManifest } from '../../src/engine/heads/dataset/manifest';
import { evaluateHead } from '../../src/engine/heads/evaluate';
import type { FusionName, HeadSizeName, HeadTaskName } from '../../src/engine/heads/spec';
import { trainFromDataset } from '../../src/engine/heads/train/run';
import { openStore } from '../../src/engine/store/store';

interface Row {
  task: HeadTaskName; fusion: FusionName; size: HeadSizeName; backbone: string; seed?: number; backboneHash?: string;
  status: 'done' | 'skipped' | 'failed'; reason?: string;
  mIoU?: number; overallAccuracy?: number; accuracy?: number; macroF1?: number; perClass?: Record<string, number | null>;
  holdoutScore?: number; epochs?: number; bestEpoch?: number; steps?: number; trainSeconds?: number; parameters?: number;
}

const { values } = parseArgs({
  options: {
    backbones: { type: 'string', default: 'default,random-init,pixels' }, fusions: { type: 'string', default: 'gw,lw,moe,concat' },
    sizes: { type: 'string', default: 'light,faithful' }, tasks: { type: 'string', default: 'seg,cls' },
    'epochs-light': { type: 'string', default: '3' }, 'epochs-faithful': { type: 'string', default: '2' },
    threads: { type: 'string', default: '2' }, data: { type: 'string', default: 'tools/datasets/work/dubai' },
    out: { type: 'string', default: 'tools/datasets/work/table' }, store: { type: 'string' }, seed: { type: 'string', default: '0' },
  },
});

const out = resolve(values.out!);
mkdirSync(join(out, 'heads'), { recursive: true });
const resultsPath = join(out, 'results.json');
const rows: Row[] = existsSync(resultsPath) ? JSON.parse(readFileSync(resultsPath, 'utf8')) : [];
// Another run may be appending to the same file (e.g. noise reruns beside the main table): merge its rows, ours win.
const save = (mine: Row) => {
  const onDisk: Row[] = existsSync(resultsPath) ? JSON.parse(readFileSync(resultsPath, 'utf8')) : [];
  for (const r of onDisk) if (!rows.some((x) => sameRow(x, r))) rows.push(r);
  const i = rows.findIndex((r) => sameRow(r, mine));
  if (i >= 0) rows[i] = mine;
  else rows.push(mine);
  const tmp = `${resultsPath}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(rows, null, 1));
  renameSync(tmp, resultsPath);
  writeFileSync(join(out, 'table.md'), markdown(rows));
};
const pct = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '–' : (100 * v).toFixed(1));

function markdown(all: Row[]): string {
  const lines: string[] = [];
  for (const task of ['seg', 'cls'] as const) {
    const rs = all.filter((r) => r.task === task);
    if (!rs.length) continue;
    lines.push(task === 'seg' ? '### Segmentation, Dubai tile 6 (trained on tiles 1–5): mIoU %' : '### Patch classification derived from Dubai masks (tile 6): accuracy % / macro-F1 %', '');
    const backbones = [...new Set(rs.map((r) => r.backbone))];
    lines.push(`| fusion | size | ${backbones.join(' | ')} |`, `|---|---|${backbones.map(() => '---').join('|')}|`);
    for (const size of ['light', 'faithful'] as const) {
      for (const fusion of ['gw', 'lw', 'moe', 'concat'] as const) {
        const cells = backbones.map((b) => {
          const r = rs.find((x) => sameRow(x, { task, fusion, size, backbone: b, seed: 0 }));
          if (!r) return 'not run (time)';
          if (r.status !== 'done') return r.status;
          return score(r);
        });
        lines.push(`| ${fusion} | ${size} | ${cells.join(' | ')} |`);
      }
    }
    lines.push('');
    const reruns = rs.filter((r) => (r.seed ?? 0) !== 0 && r.status === 'done');
    if (reruns.length) {
      lines.push(`Run-to-run noise (same row, other seeds): ${task === 'seg' ? 'mIoU %' : 'accuracy % / macro-F1 %'}`, '', '| fusion | size | backbone | seed 0 | other seeds |', '|---|---|---|---|---|');
      const groups = new Map<string, Row[]>();
      for (const r of reruns) groups.set(`${r.fusion}|${r.size}|${r.backbone}`, [...(groups.get(`${r.fusion}|${r.size}|${r.backbone}`) ?? []), r]);
      for (const g of groups.values()) {
        const first = g[0]!;
        const base = rs.find((x) => sameRow(x, { ...first, seed: 0 }));
        lines.push(`| ${first.fusion} | ${first.size} | ${first.backbone} | ${base?.status === 'done' ? score(base) : '–'} | ${g.map((r) => `${score(r)} (seed ${r.seed})`).join(', ')} |`);
      }
      lines.push('');
    }
  }
  return lines.join('\n');
}

function score(r: Row): string {
  return r.task === 'seg' ? pct(r.mIoU) : `${pct(r.accuracy)} / ${pct(r.macroF1)}`;
}

function sameRow(a: Pick<Row, 'task' | 'fusion' | 'size' | 'backbone' | 'seed'>, b: Pick<Row, 'task' | 'fusion' | 'size' | 'backbone' | 'seed'>): boolean {
  return a.task === b.task && a.fusion === b.fusion && a.size === b.size && a.backbone === b.backbone && (a.seed ?? 0) === (b.seed ?? 0);
}

const store = openStore(values.store ?? join(out, 'features.sqlite'));
store.cache.setCapBytes(32 * 1024 ** 3);
const data = resolve(values.data!);
const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);
const seed = Number(values.seed);
for (const task of list(values.tasks!) as HeadTaskName[]) {
  const train = readManifest(task === 'seg' ? join(data, 'train.json') : join(data, 'patches', 'train.json'));
  const evalSet = readManifest(task === 'seg' ? join(data, 'eval.json') : join(data, 'patches', 'eval.json'));
  for (const backbone of list(values.backbones!)) {
    for (const size of list(values.sizes!) as HeadSizeName[]) {
      for (const fusion of list(values.fusions!) as FusionName[]) {
        const key = { task, fusion, size, backbone, seed };
        if (rows.some((r) => sameRow(r, key) && r.status === 'done')) continue;
        const row: Row = { ...key, status: 'failed' };
        const headDir = join(out, 'heads', `${task}-${fusion}-${size}-${backbone}${seed ? `-seed${seed}` : ''}`);
        const t0 = performance.now();
        process.stderr.write(`\n== ${task} ${fusion} ${size} ${backbone} seed ${seed}\n`);
        try {
          const card = await trainFromDataset({
            task, fusion, size, backbone: backbone === 'random-init' && seed ? 'random-init:0' : backbone, dataset: train, out: headDir, cache: store.cache, threads: Number(values.threads), seed,
            epochs: Number(size === 'light' ? values['epochs-light'] : values['epochs-faithful']),
            onStatus: (m) => process.stderr.write(`  ${m}\n`),
            onEval: (e) => process.stderr.write(`  step ${e.step}: holdout ${(100 * e.metric).toFixed(2)} %\n`),
          });
          const r = await evaluateHead(loadHead(headDir), evalSet, { cache: store.cache, threads: Number(values.threads) });
          const m = r.metrics;
          Object.assign(row, {
            status: 'done', backboneHash: card.backbone.weightsHash, epochs: card.training!.epochs, bestEpoch: card.training!.bestEpoch, steps: card.training!.steps,
            trainSeconds: card.training!.elapsedSeconds, parameters: card.parameters,
            holdoutScore: card.metrics ? card.metrics.mIoU ?? card.metrics.accuracy : undefined,
            ...('mIoU' in m
              ? { mIoU: m.mIoU, overallAccuracy: m.overallAccuracy, perClass: Object.fromEntries(m.perClass.map((c, i) => [String(i), c.iou])) }
              : { accuracy: m.accuracy, macroF1: m.macroF1, perClass: Object.fromEntries(m.perClass.map((c, i) => [String(i), c.f1])) }),
          });
          process.stderr.write(`  tile 6: ${'mIoU' in m ? `mIoU ${pct(m.mIoU)} %` : `accuracy ${pct(m.accuracy)} %, macro-F1 ${pct(m.macroF1)} %`} (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
        } catch (e) {
          const msg = (e as Error).message;
          row.status = /No default backbone|No backbone model/.test(msg) ? 'skipped' : 'failed';
          row.reason = msg.split('\n')[0];
          process.stderr.write(`  ${row.status}: ${row.reason}\n`);
        }
        save(row);
      }
    }
  }
}
store.close();
// Rows other runs appended meanwhile (and a run with nothing left to do) still reach table.md.
if (existsSync(resultsPath)) for (const r of JSON.parse(readFileSync(resultsPath, 'utf8')) as Row[]) if (!rows.some((x) => sameRow(x, r))) rows.push(r);
writeFileSync(join(out, 'table.md'), markdown(rows));
process.stdout.write(markdown(rows));
