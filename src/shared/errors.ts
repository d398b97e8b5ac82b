// Expected failures (bad input, missing files, cancelled work) are SatError subclasses with a stable `code`,
// a message that says what is wrong, and a `hint` that says what to do. Anything else is a bug.
// Errors cross process boundaries (IPC, WebSocket) as SerializedError and are rebuilt on the other side.

export type ErrorCode =
  | 'FILE_NOT_FOUND'
  | 'INVALID_ARGUMENT'
  | 'CORRUPT_RASTER'
  | 'UNSUPPORTED_RASTER'
  | 'NO_GEOREFERENCING'
  | 'UNKNOWN_CRS'
  | 'AOI_OUTSIDE_RASTER'
  | 'ABSURD_SIZE'
  | 'UNSUPPORTED_FORMAT'
  | 'CORRUPT_WEIGHTS'
  | 'UNSAFE_PICKLE'
  | 'MODEL_MISMATCH'
  | 'MISSING_INPUT'
  | 'CANCELLED'
  | 'IO_ERROR'
  | 'NOT_IMPLEMENTED'
  | 'INTERNAL';

export interface SerializedError {
  name: string;
  code: ErrorCode;
  message: string;
  hint?: string;
  details?: Record<string, unknown>;
  stack?: string;
}

export class SatError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: { hint?: string; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
  }

  /** The message and the hint together, as a user should read them. */
  get userMessage(): string {
    return this.hint ? `${this.message}\n${this.hint}` : this.message;
  }

  toJSON(): SerializedError {
    return { name: this.name, code: this.code, message: this.message, hint: this.hint, details: this.details, stack: this.stack };
  }
}

export class FileNotFoundError extends SatError {
  constructor(path: string, what = 'file') {
    super('FILE_NOT_FOUND', `The ${what} "${path}" does not exist.`, { hint: 'Check the path (relative paths are resolved from the current folder).', details: { path } });
  }
}

export class InvalidArgumentError extends SatError {
  constructor(message: string, hint?: string, details?: Record<string, unknown>) {
    super('INVALID_ARGUMENT', message, { hint, details });
  }
}

/** The bytes are not a readable raster: truncated, corrupted, or not a TIFF at all. */
export class CorruptRasterError extends SatError {
  constructor(path: string, reason: string, cause?: unknown) {
    super('CORRUPT_RASTER', `"${path}" cannot be read as a raster: ${reason}.`, {
      hint: 'The file may be truncated or damaged. Re-download or re-export it (e.g. gdal_translate in.tif out.tif) and try again.',
      details: { path, reason },
      cause,
    });
  }
}

/** A well-formed raster that uses something we do not read (a compression, a sample format...). */
export class UnsupportedRasterError extends SatError {
  constructor(path: string, what: string, hint?: string) {
    super('UNSUPPORTED_RASTER', `"${path}" uses ${what}, which SatDiFuser Studio cannot read.`, {
      hint: hint ?? 'Convert it with GDAL, e.g. gdal_translate -co COMPRESS=DEFLATE -co TILED=YES in.tif out.tif.',
      details: { path, what },
    });
  }
}

export class UnknownCrsError extends SatError {
  constructor(what: string, hint = 'Assign a CRS with gdal_edit.py -a_srs EPSG:xxxx, or open it as a pixel raster.') {
    super('UNKNOWN_CRS', `The coordinate reference system ${what} is not known.`, { hint, details: { what } });
  }
}

export class AoiOutsideRasterError extends SatError {
  constructor(path: string) {
    super('AOI_OUTSIDE_RASTER', `The area of interest does not overlap the raster "${path}".`, {
      hint: 'Draw the area over the raster, or check that the AOI file is in the CRS it declares (GeoJSON without a crs member is WGS 84 lon/lat).',
      details: { path },
    });
  }
}

export class AbsurdSizeError extends SatError {
  constructor(message: string, hint: string, details?: Record<string, unknown>) {
    super('ABSURD_SIZE', message, { hint, details });
  }
}

export class CancelledError extends SatError {
  constructor(what = 'The operation') {
    super('CANCELLED', `${what} was cancelled.`);
  }
}

export function isSatError(e: unknown): e is SatError {
  return e instanceof SatError;
}

/** Rebuilds an error that crossed a process boundary, keeping code, hint and details. */
export function deserializeError(s: SerializedError): SatError {
  const e = new SatError(s.code, s.message, { hint: s.hint, details: s.details });
  e.name = s.name;
  if (s.stack) e.stack = s.stack;
  return e;
}

/** Any thrown value as a SerializedError; unexpected errors become INTERNAL with their message kept. */
export function serializeError(e: unknown): SerializedError {
  if (e instanceof SatError) return e.toJSON();
  if (e instanceof Error) return { name: e.name, code: 'INTERNAL', message: e.message, stack: e.stack };
  return { name: 'Error', code: 'INTERNAL', message: String(e) };
}

/** Throws CancelledError when the signal is aborted. Call between units of work. */
export function throwIfCancelled(signal: { readonly aborted: boolean } | undefined, what?: string): void {
  if (signal?.aborted) throw new CancelledError(what);
}
