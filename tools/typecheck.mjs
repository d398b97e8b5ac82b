// Type-checks every layer with its own tsconfig (its own lib and types), so browser code
// never sees Node's types and the engine never sees the DOM. Then the tests, benchmarks and TypeScript tools
// (tsconfig.tests.json): they run under Node but also hold DOM code (renderer tests, page functions in e2e), so
// they get both; a wrong fixture type there is as much a failure as one in src/.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const hasTs = (dir) => existsSync(dir) && readdirSync(dir, { recursive: true }).some((f) => /\.tsx?$/.test(String(f)));

const layers = ['shared', 'engine', 'cli', 'server', 'main', 'preload', 'renderer'];
const projects = [
  ...layers.map((layer) => ({ name: layer, project: `src/${layer}/tsconfig.json`, dirs: [`src/${layer}`] })),
  { name: 'tests', project: 'tsconfig.tests.json', dirs: ['test', 'bench', 'tools'] },
];
const tsc = 'node_modules/typescript/bin/tsc';
let failed = false;
for (const { name, project, dirs } of projects) {
  if (!dirs.some(hasTs)) continue;
  const r = spawnSync(process.execPath, [tsc, '-p', project], { stdio: 'inherit' });
  if (r.status !== 0) { console.error(`typecheck: ${name} failed`); failed = true; }
}
process.exit(failed ? 1 : 0);
