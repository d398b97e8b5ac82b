// Type-checks every layer with its own tsconfig (its own lib and types), so browser code
// never sees Node's types and the engine never sees the DOM.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const layers = ['shared', 'engine', 'cli', 'server', 'main', 'preload', 'renderer'];
const tsc = 'node_modules/typescript/bin/tsc';
let failed = false;
for (const layer of layers) {
  const project = `src/${layer}/tsconfig.json`;
  const dir = `src/${layer}`;
  const hasSources = existsSync(dir) && readdirSync(dir, { recursive: true }).some((f) => /\.tsx?$/.test(String(f)));
  if (!hasSources) continue;
  const r = spawnSync(process.execPath, [tsc, '-p', project], { stdio: 'inherit' });
  if (r.status !== 0) { console.error(`typecheck: ${layer} failed`); failed = true; }
}
process.exit(failed ? 1 : 0);
