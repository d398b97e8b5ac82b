import type { Migration } from '../migrations';

// Measured seconds per tile for a (backbone/head, device, phase), so an estimate before a job can say how
// long it will take on this machine rather than on the developer's.
export const migration004DeviceTimings: Migration = {
  version: 4,
  name: 'device timings',
  up(db) {
    db.exec(`
      CREATE TABLE device_timings (
        model       TEXT NOT NULL,
        device      TEXT NOT NULL,
        phase       TEXT NOT NULL,
        seconds     REAL NOT NULL,
        samples     INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL,
        PRIMARY KEY (model, device, phase)
      ) WITHOUT ROWID;
    `);
  },
};
