// Identifies a raster file for job identity and the cache's window index: resolved path, size and
// modification time. (Features themselves are keyed by pixel content, so a touched file only costs a re-read.)
import { realpathSync, statSync } from 'node:fs';
import { sha256Hex } from '../store/featureKey';

export function rasterFingerprint(path: string): string {
  let p = path;
  try {
    p = realpathSync(path);
  } catch {
    // a path that cannot be resolved still identifies itself
  }
  let st = { size: -1, mtimeMs: -1 };
  try {
    st = statSync(p);
  } catch {
    // in-memory or virtual sources
  }
  return sha256Hex(`${p}\n${st.size}\n${st.mtimeMs}`);
}
