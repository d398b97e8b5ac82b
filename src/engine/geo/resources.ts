// Where bundled resources live: $SATDIFUSER_RESOURCES, the packaged app's resources folder, or the source
// checkout's resources/ (found from this module's location, so the CLI works from any working directory).
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export function resourcePath(...parts: string[]): string {
  const candidates: string[] = [];
  if (process.env.SATDIFUSER_RESOURCES) candidates.push(process.env.SATDIFUSER_RESOURCES);
  const packaged = (process as { resourcesPath?: string }).resourcesPath;
  if (packaged) candidates.push(packaged);
  try {
    candidates.push(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'resources'));
  } catch {
    // not a file: URL (bundled for the browser); nothing to add
  }
  candidates.push(resolve('resources'));
  for (const dir of candidates) {
    const p = join(dir, ...parts);
    if (existsSync(p)) return p;
  }
  return join(candidates[candidates.length - 1], ...parts);
}
