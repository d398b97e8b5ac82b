import type { Migration } from '../migrations';

// A job is identified by the hash of everything that determines its output (raster fingerprint, AOI, model,
// head, tiling, output paths), so running the same job again finds the journal of an interrupted run.
// job_units holds one row per finished unit (a tile, or a row of tiles for stitched outputs) with the state
// needed to resume without redoing it.
export const migration003JobJournal: Migration = {
  version: 3,
  name: 'job journal',
  up(db) {
    db.exec(`
      CREATE TABLE jobs (
        id           TEXT PRIMARY KEY,
        kind         TEXT NOT NULL,
        params_hash  TEXT NOT NULL,
        params       TEXT NOT NULL,
        status       TEXT NOT NULL CHECK (status IN ('running','succeeded','failed','cancelled','interrupted')),
        total_units  INTEGER NOT NULL,
        created_at   INTEGER NOT NULL,
        updated_at   INTEGER NOT NULL,
        outcome      TEXT
      );
      CREATE INDEX jobs_params ON jobs(params_hash, created_at);
      CREATE TABLE job_units (
        job_id      TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        unit        INTEGER NOT NULL,
        payload     BLOB,
        checksum    INTEGER NOT NULL,
        finished_at INTEGER NOT NULL,
        PRIMARY KEY (job_id, unit)
      ) WITHOUT ROWID;
      CREATE TABLE job_state (
        job_id    TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        name      TEXT NOT NULL,
        payload   BLOB NOT NULL,
        checksum  INTEGER NOT NULL,
        PRIMARY KEY (job_id, name)
      ) WITHOUT ROWID;
    `);
  },
};
