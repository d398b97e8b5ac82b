#!/usr/bin/env node
// Entry of the `satdifuser` command. In a source checkout the TypeScript runs through tsx (no build step
// after `npm ci`); in the packaged app, out/cli/main.js (built by electron-vite) is used when present.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'out', 'cli', 'entry.js');
if (process.env.SATDIFUSER_FROM_SOURCE !== '1' && existsSync(built) && !existsSync(join(root, 'src', 'cli', 'entry.ts'))) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(root, 'src', 'cli', 'entry.ts')).href);
}
