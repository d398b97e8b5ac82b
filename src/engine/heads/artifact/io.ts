// Saving and loading heads: a folder with head.json (the card) and weights.safetensors (fp32 parameters and
// BatchNorm statistics under the release's state-dict names). Writes go to a temporary folder that is renamed
// into place, so an interrupted save never leaves a half-written head that looks valid.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { FileNotFoundError, SatError } from '../../../shared/errors';
import { SafetensorsReader, writeSafetensors } from '../../nn/weights/safetensors';
import { type HeadCard, validateCard } from './card';

export const CARD_FILE = 'head.json';
export const WEIGHTS_FILE = 'weights.safetensors';
const CARD_META_KEY = 'satdifuser.head';

export interface HeadTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export interface LoadedHead {
  readonly card: HeadCard;
  readonly tensors: ReadonlyMap<string, HeadTensor>;
  readonly folder: string;
}

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Writes the head folder atomically; the card's weights hash is filled in here. Returns the card as saved. */
export function saveHead(folder: string, card: Omit<HeadCard, 'weights'>, tensors: readonly HeadTensor[]): HeadCard {
  const target = resolve(folder);
  mkdirSync(dirname(target), { recursive: true });
  const tmp = join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${Date.now()}`);
  mkdirSync(tmp, { recursive: true });
  try {
    const sorted = [...tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const provisional = { ...card, weights: { file: WEIGHTS_FILE, sha256: '' } };
    writeSafetensors(join(tmp, WEIGHTS_FILE), sorted.map((t) => ({ name: t.name, shape: t.shape, data: t.data })), { [CARD_META_KEY]: JSON.stringify(provisional) });
    const full: HeadCard = { ...card, weights: { file: WEIGHTS_FILE, sha256: sha256File(join(tmp, WEIGHTS_FILE)) } };
    writeFileSync(join(tmp, CARD_FILE), JSON.stringify(full, null, 1) + '\n');
    if (existsSync(target)) rmSync(target, { recursive: true, force: true });
    renameSync(tmp, target);
    return full;
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Loads a head from its folder, its head.json, or a bare weights.safetensors (card from the metadata). */
export function loadHead(path: string): LoadedHead {
  if (!existsSync(path)) throw new FileNotFoundError(path, 'head');
  const p = resolve(path);
  let folder: string;
  let card: HeadCard;
  let weightsPath: string;
  if (statSync(p).isDirectory()) {
    folder = p;
    if (!existsSync(join(p, CARD_FILE))) throw new FileNotFoundError(join(p, CARD_FILE), 'head card');
    card = readCard(join(p, CARD_FILE));
    weightsPath = join(p, card.weights.file);
  } else if (p.endsWith('.json')) {
    folder = dirname(p);
    card = readCard(p);
    weightsPath = join(folder, card.weights.file);
  } else {
    folder = dirname(p);
    weightsPath = p;
    const r = new SafetensorsReader(p);
    try {
      const meta = r.metadata[CARD_META_KEY];
      if (!meta) throw new SatError('UNSUPPORTED_FORMAT', `"${p}" is a weights file without a SatDiFuser head card.`, { hint: 'Pass the head folder written by `satdifuser train --out`.' });
      card = validateCard(JSON.parse(meta), p);
    } finally {
      r.close();
    }
  }
  if (!existsSync(weightsPath)) throw new FileNotFoundError(weightsPath, 'head weights');
  if (card.weights.sha256 && p !== weightsPath) {
    const got = sha256File(weightsPath);
    if (got !== card.weights.sha256) {
      throw new SatError('CORRUPT_WEIGHTS', `The weights of the head "${card.name}" do not match its card (sha256 ${got.slice(0, 12)}…, card says ${card.weights.sha256.slice(0, 12)}…).`, {
        hint: 'The file was modified or damaged after the head was saved; export the head again.',
        details: { weightsPath },
      });
    }
  }
  const r = new SafetensorsReader(weightsPath);
  try {
    const tensors = new Map<string, HeadTensor>();
    for (const info of r.list()) tensors.set(info.name, { name: info.name, shape: info.shape, data: r.readFloat32(info.name) });
    return { card, tensors, folder };
  } finally {
    r.close();
  }
}

function readCard(path: string): HeadCard {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new SatError('CORRUPT_WEIGHTS', `The head card "${path}" is not valid JSON (${(e as Error).message}).`, { hint: 'Export the head again.' });
  }
  return validateCard(json, path);
}
