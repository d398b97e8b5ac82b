// `fs.list`: the folder browser web mode needs in place of a native file dialog. It lists one folder of the
// engine's machine, which the per-run token already restricts to the user who started the server.
import { readdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { DirectoryListing, FileEntry, FileKind } from '../../shared/contract';
import { FileNotFoundError, InvalidArgumentError, SatError } from '../../shared/errors';
import { fileKindOf } from './fileKinds';

export interface FilePlaces {
  readonly home: string;
  readonly sampleDir: string | null;
  readonly dataDir: string;
}

const MAX_ENTRIES = 5000;

export async function listDirectory(path: string | null, kinds: readonly FileKind[] | null, places: FilePlaces): Promise<DirectoryListing> {
  const dir = resolve(path ?? places.home);
  let st;
  try {
    st = await stat(dir);
  } catch {
    throw new FileNotFoundError(dir, 'folder');
  }
  if (!st.isDirectory()) throw new InvalidArgumentError(`"${dir}" is a file, not a folder.`, 'Pick the folder that contains it.');
  let names: import('node:fs').Dirent[];
  try {
    names = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    throw new SatError('IO_ERROR', `The folder "${dir}" cannot be read.`, { hint: 'Check that you have permission to read it.', cause: e });
  }
  const entries: FileEntry[] = [];
  for (const d of names) {
    if (d.name.startsWith('.')) continue;
    const full = join(dir, d.name);
    let isDir = d.isDirectory();
    if (d.isSymbolicLink()) {
      try {
        isDir = (await stat(full)).isDirectory();
      } catch {
        continue; // dangling link
      }
    }
    const kind: FileKind = isDir ? 'directory' : fileKindOf(d.name);
    if (kinds && kind !== 'directory' && !kinds.includes(kind)) continue;
    let size: number | null = null;
    let modified: string | null = null;
    if (!isDir) {
      try {
        const s = await stat(full);
        size = s.size;
        modified = s.mtime.toISOString();
      } catch {
        continue;
      }
    }
    entries.push({ name: d.name, path: full, kind, size, modified });
    if (entries.length >= MAX_ENTRIES) break;
  }
  entries.sort((a, b) => (a.kind === 'directory') !== (b.kind === 'directory') ? (a.kind === 'directory' ? -1 : 1) : a.name.localeCompare(b.name));
  const parent = dirname(dir) === dir ? null : dirname(dir);
  const placeList = [
    { label: 'Home', path: places.home },
    ...(places.sampleDir ? [{ label: 'Sample data', path: places.sampleDir }] : []),
    { label: 'SatDiFuser data', path: places.dataDir },
    { label: 'Computer', path: resolve('/') },
  ];
  return { path: dir, parent, entries, places: placeList };
}
