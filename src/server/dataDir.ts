// Where the engine keeps recovery files, results, uploads and caches when no Electron userData folder exists.
import { homedir, platform } from 'node:os';
import { join } from 'node:path';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SATDIFUSER_DATA_DIR) return env.SATDIFUSER_DATA_DIR;
  const home = homedir();
  if (platform() === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'SatDiFuser Studio');
  if (platform() === 'darwin') return join(home, 'Library', 'Application Support', 'SatDiFuser Studio');
  return join(env.XDG_DATA_HOME ?? join(home, '.local', 'share'), 'satdifuser');
}
