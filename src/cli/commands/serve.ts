// `satdifuser serve [--port N] [--open]`: the app in a browser, driven by a local engine (web mode).
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from '../../shared/errors';
import type { CliCommand } from '../command';
import { createEngine } from '../../engine/api/engine';
import { lowerEnginePriority } from '../../engine/api/processPriority';
import { defaultDataDir } from '../../server/dataDir';
import { buildRenderer, rendererBuildState } from '../../server/rendererBuild';
import { startWebServer } from '../../server/server';

const usage = `Usage: satdifuser serve [--port N] [--open]

Serves SatDiFuser Studio to a browser on this machine (web mode): the app and its engine on 127.0.0.1 only.
The printed URL carries a per-run access token; other pages and users of this machine cannot drive the engine.

Options:
  --port N   listen on port N (default: a free port)
  --open     open the URL in the default browser
Environment:
  SATDIFUSER_DATA_DIR   where autosaves, results and caches go (default: the user data folder)`;

function parseArgs(args: string[]): { port: number; open: boolean } {
  let port = 0;
  let open = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--open') open = true;
    else if (a === '--port' || a.startsWith('--port=')) {
      const v = a.includes('=') ? a.slice(7) : args[++i];
      const n = Number(v);
      if (!v || !Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`--port needs a port number 0–65535, got "${v ?? ''}".`);
      port = n;
    } else throw new InvalidArgumentError(`Unknown option "${a}".`, usage);
  }
  return { port, open };
}

function openBrowser(url: string): void {
  const [cmd, args] = process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : process.platform === 'darwin' ? ['open', [url]] : ['xdg-open', [url]];
  const child = spawn(cmd, args as string[], { stdio: 'ignore', detached: true });
  child.on('error', () => undefined);
  child.unref();
}

export const command: CliCommand = {
  name: 'serve',
  summary: 'Run the app in a browser (web mode) on 127.0.0.1',
  usage,
  async run(args, ctx) {
    const { port, open } = parseArgs(args);
    const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
    const state = rendererBuildState(root);
    if (state !== 'fresh') await buildRenderer(root, (l) => ctx.stderr.write(l + '\n'));
    const dataDir = defaultDataDir();
    // The browser on this machine is the UI: keep it ahead of the engine's compute.
    lowerEnginePriority();
    const engine = createEngine({ host: 'web', dataDir });
    let server;
    try {
      server = await startWebServer({ engine, rendererDir: join(root, 'out', 'renderer'), port, uploadDir: join(dataDir, 'uploads') });
    } catch (e) {
      await engine.dispose();
      if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new InvalidArgumentError(`Port ${port} is already in use.`, 'Pick another with --port, or omit --port to use a free one.');
      throw e;
    }
    ctx.stdout.write(`SatDiFuser Studio (web mode) is running.\nOpen: ${server.url}\nPress Ctrl+C to stop.\n`);
    if (open) openBrowser(server.url);
    await new Promise<void>((r) => (ctx.signal.aborted ? r() : ctx.signal.addEventListener('abort', () => r(), { once: true })));
    await server.close();
    await engine.dispose();
    ctx.stdout.write('Stopped.\n');
    return 0;
  },
};
