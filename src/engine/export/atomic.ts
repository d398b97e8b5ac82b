// Every export is written to a temporary file beside its target (same folder, so the same file system)
// and renamed over it only when complete: a reader never sees a partial file, a crash or a cancel leaves
// the previous file (or nothing) in place, and the temporary file is removed on failure.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { SatError } from '../../shared/errors';

export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

export function exportError(target: string, e: unknown): SatError {
  if (e instanceof SatError) return e;
  const err = e as NodeJS.ErrnoException;
  return new SatError('IO_ERROR', `Cannot write "${target}": ${err?.message ?? String(e)}.`, {
    hint: err?.code === 'ENOSPC' ? 'The disk is full: free some space or write elsewhere.' : err?.code === 'EACCES' || err?.code === 'EPERM' ? 'Choose a folder you can write to.' : 'Check the path and that the folder is writable.',
    details: { path: target, code: err?.code },
    cause: e,
  });
}

/**
 * Runs `write(tmp)` to produce the file at a temporary path, then renames it to `target`.
 * Several targets (e.g. the files of a Shapefile) are committed together: all are written first, then
 * renamed, the main one last.
 */
export async function writeAtomically<T>(targets: readonly string[], write: (temps: string[]) => Promise<T> | T): Promise<T> {
  if (targets.length === 0) throw new RangeError('no target');
  for (const t of targets) {
    try {
      mkdirSync(dirname(t), { recursive: true });
    } catch (e) {
      throw exportError(t, e);
    }
  }
  const temps = targets.map(tempPathFor);
  try {
    const result = await write(temps);
    for (const t of temps) fsyncPath(t);
    for (let i = temps.length - 1; i >= 0; i--) renameSync(temps[i], targets[i]);
    return result;
  } catch (e) {
    temps.forEach(removeQuietly);
    throw exportError(targets[0], e);
  }
}

export async function writeFileAtomically(target: string, data: string | Uint8Array): Promise<void> {
  await writeAtomically([target], ([tmp]) => writeFileSync(tmp, data));
}
