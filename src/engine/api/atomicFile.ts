// Small documents (projects, recovery files, the recent list) are written to a temporary file in the same folder,
// flushed and renamed over the target, so a crash mid-save leaves either the old file or the new one, never half.
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { SatError } from '../../shared/errors';

export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<number> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  try {
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    const code = (e as NodeJS.ErrnoException).code;
    throw new SatError('IO_ERROR', `"${path}" could not be written (${code ?? 'error'}).`, {
      hint: code === 'EACCES' || code === 'EPERM' ? 'Choose a folder you can write to.' : code === 'ENOSPC' ? 'The disk is full: free some space and save again.' : 'Check the folder exists and is writable.',
      details: { path, code },
      cause: e,
    });
  }
  return bytes.byteLength;
}
