// The engine's SQLite store (feature cache, job journal, device timings), opened on first use: listing files or
// opening a raster never pays for it. $SATDIFUSER_STORE wins (shared with the CLI); else it lives in the data folder.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { openStore, type Store } from '../store/store';

export class LazyStore {
  private store: Store | null = null;

  constructor(private readonly dataDir: string) {}

  get(): Store {
    if (!this.store) {
      const path = process.env.SATDIFUSER_STORE ?? join(this.dataDir, 'store.sqlite');
      mkdirSync(dirname(path), { recursive: true });
      this.store = openStore(path);
    }
    return this.store;
  }

  close(): void {
    this.store?.close();
    this.store = null;
  }
}
