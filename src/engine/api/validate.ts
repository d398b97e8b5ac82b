// Requests cross a trust boundary (IPC from a renderer, a WebSocket from a browser), so every parameter is
// checked before the engine touches the disk. Failures are INVALID_ARGUMENT errors that name the field.
import { InvalidArgumentError } from '../../shared/errors';

export type Params = Record<string, unknown>;

export function asParams(value: unknown, method: string): Params {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidArgumentError(`${method}: the parameters must be an object.`);
  }
  return value as Params;
}

export function str(p: Params, key: string, method: string, opts: { allowEmpty?: boolean } = {}): string {
  const v = p[key];
  if (typeof v !== 'string' || (!opts.allowEmpty && v.length === 0)) {
    throw new InvalidArgumentError(`${method}: "${key}" must be a non-empty string.`);
  }
  if (v.includes('\0')) throw new InvalidArgumentError(`${method}: "${key}" contains a NUL character.`);
  return v;
}

export function optStr(p: Params, key: string, method: string): string | null {
  const v = p[key];
  if (v === undefined || v === null) return null;
  return str(p, key, method);
}

export function num(p: Params, key: string, method: string, range: { min?: number; max?: number; integer?: boolean } = {}): number {
  const v = p[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidArgumentError(`${method}: "${key}" must be a finite number.`);
  if (range.integer && !Number.isInteger(v)) throw new InvalidArgumentError(`${method}: "${key}" must be a whole number, got ${v}.`);
  if (range.min !== undefined && v < range.min) throw new InvalidArgumentError(`${method}: "${key}" must be at least ${range.min}, got ${v}.`);
  if (range.max !== undefined && v > range.max) throw new InvalidArgumentError(`${method}: "${key}" must be at most ${range.max}, got ${v}.`);
  return v;
}

export function obj(p: Params, key: string, method: string): Params {
  const v = p[key];
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new InvalidArgumentError(`${method}: "${key}" must be an object.`);
  return v as Params;
}

export function optIntArray(p: Params, key: string, method: string, max: number): number[] | null {
  const v = p[key];
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x > max)) {
    throw new InvalidArgumentError(`${method}: "${key}" must be a list of whole numbers between 0 and ${max}.`);
  }
  return v as number[];
}
