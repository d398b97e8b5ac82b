// The app's trained heads: one folder per head (head.json + weights.safetensors, the heads engine's artefact)
// under <dataDir>/heads/<id>. Export writes the weights file, which carries its card in its metadata, so one
// .safetensors file moves a head between machines; import reads it back (or a head folder / head.json).
import { copyFileSync, existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { ClassInfo } from '../../shared/jobs';
import type { ClassMetrics, FusionStrategy, HeadMetrics, HeadSummary } from '../../shared/contract';
import { FileNotFoundError, InvalidArgumentError, SatError } from '../../shared/errors';
import { type HeadCard, validateCard } from '../heads/artifact/card';
import { CARD_FILE, loadHead, saveHead, WEIGHTS_FILE, type LoadedHead } from '../heads/artifact/io';
import { shippedHeads } from './defaultHead';

/** Heads shipped with the default backbone (docs/default-head.md) are listed as `default:<folder name>`, read-only. */
const SHIPPED = 'default:';

export function classInfoOf(card: HeadCard): ClassInfo[] {
  return card.classes.map((c) => ({ id: c.id, name: c.name, color: [1, 3, 5].map((i) => parseInt(c.color.slice(i, i + 2), 16)) as [number, number, number] }));
}

export function headMetrics(card: HeadCard): HeadMetrics | null {
  const m = card.metrics;
  if (!m || m.mIoU === undefined) return null;
  const name = (id: number) => card.classes.find((c) => c.id === id)?.name ?? `class ${id}`;
  const perClass: ClassMetrics[] = m.perClass.map((c) => ({ classId: c.id, name: name(c.id), iou: c.iou, f1: c.f1, precision: c.precision, recall: c.recall, support: c.support }));
  return { mIoU: m.mIoU, accuracy: m.overallAccuracy ?? m.accuracy ?? NaN, perClass, trainPixels: card.training?.trainPixels ?? 0, holdoutPixels: card.training?.holdoutPixels ?? m.scored };
}

export function headSummary(id: string, card: HeadCard): HeadSummary {
  return {
    id,
    name: card.name,
    task: card.spec.task === 'seg' ? 'segmentation' : 'classification',
    backboneId: card.backbone.source ?? card.backbone.id,
    fusion: card.spec.fusion as FusionStrategy,
    size: card.spec.size,
    classes: classInfoOf(card),
    metrics: headMetrics(card),
    createdAt: card.createdAt,
    tileSize: card.input.tileSize,
  };
}

export class HeadStore {
  constructor(private readonly dataDir: string) {}

  get root(): string {
    return join(this.dataDir, 'heads');
  }

  /** A fresh folder for a head being trained (it appears in the list once saved). */
  newFolder(): { id: string; folder: string } {
    const id = randomUUID();
    return { id, folder: join(this.root, id) };
  }

  list(): HeadSummary[] {
    const out: HeadSummary[] = [];
    for (const id of existsSync(this.root) ? readdirSync(this.root) : []) {
      if (id.startsWith('.')) continue;
      try {
        const card = validateCard(JSON.parse(readFileSync(join(this.root, id, CARD_FILE), 'utf8')), join(this.root, id));
        out.push(headSummary(id, card));
      } catch {
        // A damaged head folder is not offered; it does not hide the others.
      }
    }
    out.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    // After the user's own heads, so a fresh install still offers one; a damaged shipped card is not offered.
    for (const h of shippedHeads()) {
      try {
        out.push(headSummary(`${SHIPPED}${basename(h.folder)}`, validateCard(JSON.parse(readFileSync(join(h.folder, CARD_FILE), 'utf8')), h.folder)));
      } catch {
        // skipped like a damaged user head
      }
    }
    return out;
  }

  folder(headId: string): string {
    if (headId.startsWith(SHIPPED)) {
      const shipped = shippedHeads().find((h) => `${SHIPPED}${basename(h.folder)}` === headId);
      if (!shipped) throw new SatError('FILE_NOT_FOUND', `The default head "${headId.slice(SHIPPED.length)}" is not installed.`, { hint: 'Pick another head, or reinstall the app (models/).' });
      return shipped.folder;
    }
    if (!/^[0-9a-f-]{36}$/.test(headId)) throw new InvalidArgumentError(`"${headId}" is not a head id.`);
    const f = join(this.root, headId);
    if (!existsSync(join(f, CARD_FILE))) throw new SatError('FILE_NOT_FOUND', 'That head no longer exists.', { hint: 'It may have been deleted; pick another head.' });
    return f;
  }

  load(headId: string): LoadedHead {
    return loadHead(this.folder(headId));
  }

  async exportTo(headId: string, path: string): Promise<string> {
    const target = resolve(path.toLowerCase().endsWith('.safetensors') ? path : `${path}.safetensors`);
    await mkdir(dirname(target), { recursive: true });
    const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
    try {
      copyFileSync(join(this.folder(headId), WEIGHTS_FILE), tmp);
      renameSync(tmp, target);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw new SatError('IO_ERROR', `The head could not be written to "${target}".`, { hint: 'Choose a folder you can write to.', cause: e });
    }
    return target;
  }

  import(path: string): HeadSummary {
    const src = resolve(path);
    if (!existsSync(src)) throw new FileNotFoundError(src, 'head');
    const head = loadHead(src);
    const { id, folder } = this.newFolder();
    const { weights: _w, ...card } = head.card;
    saveHead(folder, card, [...head.tensors.values()]);
    return headSummary(id, validateCard(JSON.parse(readFileSync(join(folder, CARD_FILE), 'utf8')), folder));
  }

  delete(headId: string): boolean {
    if (headId.startsWith(SHIPPED)) throw new InvalidArgumentError('The default head ships with the app and cannot be deleted.', 'Heads you train or import can be deleted.');
    const f = this.folder(headId);
    rmSync(f, { recursive: true, force: true });
    return true;
  }
}
