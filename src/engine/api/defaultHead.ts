// The default head: a trained head shipped inside the default backbone's folder, so `segment --default`, the demo
// and the app work on a fresh install. Discovery, in order:
//   1. backbone.json → "default_heads": { "seg": "heads/<name>", "cls": "heads/<name>" } (folders relative to the model)
//   2. <model>/heads/*/head.json whose task matches, the first by folder name.
// Only the default backbone's folder is searched: a head is only meaningful on the backbone it was trained on,
// and the compatibility check (weights hash) still runs when the head is opened.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SatError } from '../../shared/errors';
import { CARD_FILE } from '../heads/artifact/io';
import { defaultModelName } from '../heads/features/extractors';
import { resolveModel } from '../backbone/modelStore';

export type HeadTask = 'seg' | 'cls';

export interface DefaultHead {
  /** The head folder (head.json + weights.safetensors). */
  readonly folder: string;
  readonly name: string;
  readonly task: HeadTask;
  /** The backbone folder it ships in. */
  readonly backboneDir: string;
}

const TASK_WORD: Record<HeadTask, string> = { seg: 'segmentation', cls: 'classification' };

function readTask(folder: string): { task: string; name: string } | null {
  try {
    const card = JSON.parse(readFileSync(join(folder, CARD_FILE), 'utf8')) as { name?: unknown; spec?: { task?: unknown } };
    return typeof card.spec?.task === 'string' ? { task: card.spec.task, name: typeof card.name === 'string' ? card.name : folder } : null;
  } catch {
    return null; // a damaged head folder is not a default; it does not hide the others
  }
}

/** The default backbone's folder, or null when none is installed. */
function defaultBackboneDir(): string | null {
  try {
    return resolveModel(defaultModelName());
  } catch {
    return null;
  }
}

/** Every head shipped with the default backbone (for the app's head list). */
export function shippedHeads(): DefaultHead[] {
  const dir = defaultBackboneDir();
  if (!dir) return [];
  const root = join(dir, 'heads');
  if (!existsSync(root)) return [];
  const out: DefaultHead[] = [];
  for (const entry of readdirSync(root).sort()) {
    const folder = join(root, entry);
    if (!statSync(folder).isDirectory()) continue;
    const t = readTask(folder);
    if (t && (t.task === 'seg' || t.task === 'cls')) out.push({ folder, name: t.name, task: t.task, backboneDir: dir });
  }
  return out;
}

/** The default head for a task, or null. */
export function findDefaultHead(task: HeadTask): DefaultHead | null {
  const dir = defaultBackboneDir();
  if (!dir) return null;
  try {
    const card = JSON.parse(readFileSync(join(dir, 'backbone.json'), 'utf8')) as { default_heads?: Record<string, unknown> };
    const named = card.default_heads?.[task];
    if (typeof named === 'string') {
      const folder = resolve(dir, named);
      const t = readTask(folder);
      if (t && t.task === task) return { folder, name: t.name, task, backboneDir: dir };
    }
  } catch {
    // an unreadable backbone.json is reported when the backbone is opened; fall back to the folder scan
  }
  return shippedHeads().find((h) => h.task === task) ?? null;
}

/** The default head for a task, or a SatError saying there is none and what to do instead. */
export function requireDefaultHead(task: HeadTask): DefaultHead {
  const found = findDefaultHead(task);
  if (found) return found;
  const dir = defaultBackboneDir();
  const where = dir ? `the default backbone (${dir}) ships no ${TASK_WORD[task]} head in its heads/ folder` : 'no default backbone is installed (models/ holds no model)';
  throw new SatError('MISSING_INPUT', `There is no default ${TASK_WORD[task]} head: ${where}.`, {
    hint: `Train one with \`satdifuser train --task ${task} --backbone default …\` and pass it with --head <head>${task === 'cls' ? ' (the shipped default head segments: use `satdifuser segment --default`)' : ''}.`,
    details: { missing: 'default head', task },
  });
}
