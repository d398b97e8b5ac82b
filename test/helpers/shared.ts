// Tests that need ../shared (real imagery and reference models from public repositories) skip when it is
// absent, so `npm test` passes on a bare clone; CI has ../shared and runs them.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const sharedDir = resolve(process.env.SATDIFUSER_SHARED ?? join(process.cwd(), '..', 'shared'));
export const hasShared = existsSync(join(sharedDir, 'data'));
export const sharedPath = (...parts: string[]) => join(sharedDir, ...parts);
export const sampleScene = resolve('resources/sample/L7_ETMs.tif');
