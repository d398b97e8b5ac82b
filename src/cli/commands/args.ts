// Option parsing for the raster commands: node:util parseArgs, with its errors turned into the CLI's
// INVALID_ARGUMENT (exit code 2) and the command's usage as the hint.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InvalidArgumentError } from '../../shared/errors';

export function parseCommandArgs(args: string[], options: NonNullable<ParseArgsConfig['options']>, usage: string): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message.replace(/\. To specify.*$/s, '.'), usage);
  }
}

export function intOption(values: Record<string, string | boolean | undefined>, name: string, fallback: number): number {
  const v = values[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isInteger(n)) throw new InvalidArgumentError(`--${name} needs an integer, got "${String(v)}".`);
  return n;
}
