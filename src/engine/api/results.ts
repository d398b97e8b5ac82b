// Segmentation results on disk: <dataDir>/results/<resultId>/ holds classes.tif, probabilities.tif (optional) and
// result.json (classes, head, fusion, provenance), so exports and comparisons work on results from earlier
// sessions too (a reopened project refers to them by resultId).
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClassInfo } from '../../shared/jobs';
import type { FusionStrategy } from '../../shared/contract';
import { InvalidArgumentError, SatError } from '../../shared/errors';

export interface StoredResult {
  readonly resultId: string;
  readonly dir: string;
  readonly maskPath: string;
  readonly probabilitiesPath: string | null;
  readonly classes: readonly ClassInfo[];
  readonly headId: string;
  readonly headName: string;
  readonly fusion: FusionStrategy;
  readonly model: string;
  readonly source: string;
}

export function resultDir(dataDir: string, resultId: string): string {
  if (!/^[0-9a-f-]{36}$/.test(resultId)) throw new InvalidArgumentError(`"${resultId}" is not a result id.`);
  return join(dataDir, 'results', resultId);
}

export async function saveResult(r: StoredResult): Promise<void> {
  await writeFile(join(r.dir, 'result.json'), JSON.stringify(r, null, 1));
}

export function loadResult(dataDir: string, resultId: string): StoredResult {
  const file = join(resultDir(dataDir, resultId), 'result.json');
  if (!existsSync(file)) {
    throw new SatError('FILE_NOT_FOUND', 'That segmentation result is no longer on disk.', { hint: 'Run the segmentation again (features are cached, so it is quick).', details: { resultId } });
  }
  return JSON.parse(readFileSync(file, 'utf8')) as StoredResult;
}
