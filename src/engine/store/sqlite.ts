// The one place better-sqlite3 is opened. Everything else in the engine sees the small SqliteDatabase
// interface, so the rest of the code neither imports the native module nor depends on its types.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { SatError } from '../../shared/errors';

export type SqliteDatabase = Database.Database;
export type SqliteStatement = Database.Statement;

export interface OpenOptions {
  readonly readonly?: boolean;
  /** WAL lets readers in other processes run while one job writes; exports use a rollback journal instead. */
  readonly journal?: 'wal' | 'delete' | 'off';
  /** How long a writer waits for another writer before failing with SQLITE_BUSY (ms). */
  readonly busyTimeoutMs?: number;
  /** Incremental auto-vacuum for a new file (no effect on an existing one). */
  readonly incrementalVacuum?: boolean;
}

export function openSqlite(path: string, opts: OpenOptions = {}): SqliteDatabase {
  if (path !== ':memory:' && !opts.readonly) mkdirSync(dirname(path), { recursive: true });
  let db: SqliteDatabase;
  try {
    db = new Database(path, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
  } catch (e) {
    throw new SatError('IO_ERROR', `Cannot open the database "${path}": ${(e as Error).message}.`, {
      hint: 'Check that the folder exists and is writable, and that the file is a SQLite database.',
      details: { path },
      cause: e,
    });
  }
  db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 10_000}`);
  // Must come before anything writes the file header (journal_mode = WAL does).
  if (opts.incrementalVacuum && !opts.readonly) db.pragma('auto_vacuum = INCREMENTAL');
  if (!opts.readonly && path !== ':memory:') {
    const journal = opts.journal ?? 'wal';
    db.pragma(`journal_mode = ${journal === 'wal' ? 'WAL' : journal === 'off' ? 'OFF' : 'DELETE'}`);
    // NORMAL in WAL mode still never corrupts the file on a crash; it may lose the last commits on power loss.
    db.pragma(`synchronous = ${journal === 'wal' ? 'NORMAL' : 'FULL'}`);
  }
  db.pragma('foreign_keys = ON');
  return db;
}

/** True when the error is SQLite saying the database is locked by another connection. */
export function isBusy(e: unknown): boolean {
  const code = (e as { code?: string } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || code === 'SQLITE_BUSY_SNAPSHOT';
}
