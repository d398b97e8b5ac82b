#!/usr/bin/env node
// `npm run test:e2e`: builds the renderer if needed (satdifuser serve does it), then runs the browser journeys
// against web mode with playwright-core and the system Chromium (never a downloaded browser).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  console.error(`test:e2e: Chromium not found at ${chromium}. Install it (apt-get install chromium) or set CHROMIUM_PATH.`);
  process.exit(1);
}
const r = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--config', 'test/e2e/vitest.config.ts', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
