// Temporary files beside the result (same disk, so the final rename is atomic) and the typed error for
// a failed file operation.
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { SatError } from '../../../shared/errors';

/** ".<name>.<random>.<suffix>.tmp" in `dir` (default: the target's folder); hidden, and clearly ours. */
export function tempPath(target: string, suffix: string, dir = dirname(target)): string {
  return join(dir, `.${basename(target)}.${randomBytes(4).toString('hex')}.${suffix}.tmp`);
}

export function ioError(path: string, action: string, cause: unknown): SatError {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  const hint = code === 'ENOSPC' ? 'The disk is full: free some space or write to another folder.'
    : code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'You cannot write there: choose a folder you can write to.'
      : code === 'ENOENT' ? 'The folder does not exist: create it first or choose another.'
        : 'Check the path and the disk, then try again.';
  return new SatError('IO_ERROR', `Could not ${action} "${path}"${code ? ` (${code})` : ''}.`, { hint, details: { path, code }, cause });
}
