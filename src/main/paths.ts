// Where the built files are. out/main is ESM ("type": "module"), so there is no CommonJS __dirname: derive it
// from import.meta.url, which works the same in the built bundle and under a test runner.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const mainDir = dirname(fileURLToPath(import.meta.url));

export interface AppPaths {
  readonly preload: string;
  readonly rendererIndex: string;
  readonly engineEntry: string;
}

/** `outMainDir` is the folder of the built main bundle (out/main). */
export function appPaths(outMainDir: string): AppPaths {
  return {
    preload: join(outMainDir, '..', 'preload', 'index.cjs'),
    rendererIndex: join(outMainDir, '..', 'renderer', 'index.html'),
    engineEntry: join(outMainDir, 'engineProcess.js'),
  };
}
