// `satdifuser serve` serves out/renderer. In a source checkout it (re)builds it when missing or older than the
// renderer sources, so web mode never shows a stale UI; a packaged app ships the build and no sources.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SatError } from '../shared/errors';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

export function rendererBuildState(root: string): 'fresh' | 'missing' | 'stale' {
  const index = join(root, 'out', 'renderer', 'index.html');
  if (!existsSync(index)) return 'missing';
  const sources = ['src/renderer', 'src/shared'].map((d) => join(root, d)).filter((d) => existsSync(d));
  if (sources.length === 0) return 'fresh';
  const built = statSync(index).mtimeMs;
  return sources.some((d) => newestMtime(d) > built) ? 'stale' : 'fresh';
}

export async function buildRenderer(root: string, log: (line: string) => void): Promise<void> {
  log('Building the app UI (vite build of src/renderer)…');
  let vite: typeof import('vite');
  try {
    vite = await import('vite');
  } catch (e) {
    throw new SatError('FILE_NOT_FOUND', 'The app UI is not built and Vite is not installed to build it.', { hint: 'Run `npm ci` and then `npm run build`.', cause: e });
  }
  const { rendererViteConfig } = await import('./rendererViteConfig');
  try {
    await vite.build({ ...rendererViteConfig(root), configFile: false, logLevel: 'warn' });
  } catch (e) {
    throw new SatError('INTERNAL', `Building the app UI failed: ${(e as Error).message}`, { hint: 'Run `npm run build` to see the full error.', cause: e });
  }
}
