// `satdifuser serve` serves out/renderer. In a source checkout it (re)builds it when missing or older than the
// renderer sources, so web mode never shows a stale UI; a packaged app ships the build and no sources.
import { spawn } from 'node:child_process';
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
  const cli = join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
  if (!existsSync(cli)) {
    throw new SatError('FILE_NOT_FOUND', 'The renderer is not built and electron-vite is not installed to build it.', { hint: 'Run `npm ci` and then `npm run build`.' });
  }
  log('Building the app (electron-vite build)…');
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, [cli, 'build'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' } });
    let tail = '';
    const keep = (b: Buffer) => { tail = (tail + b.toString()).slice(-4000); };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('close', (c) => {
      if (c !== 0) log(tail);
      resolve(c ?? 1);
    });
  });
  if (code !== 0) throw new SatError('INTERNAL', `Building the renderer failed (electron-vite exited with ${code}).`, { hint: 'Run `npm run build` to see the full error.' });
}
