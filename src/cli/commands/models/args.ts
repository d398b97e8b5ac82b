// Flag parsing for the backbone commands: `--name value` pairs, a few boolean flags, positional arguments.
// Unknown flags are errors (a typo must not silently change what runs).
import { InvalidArgumentError } from '../../../shared/errors';

export interface ParsedArgs {
  readonly flags: Map<string, string>;
  readonly bools: Set<string>;
  readonly positional: string[];
}

export function parseArgs(args: readonly string[], valued: readonly string[], booleans: readonly string[] = [], usage = ''): ParsedArgs {
  const flags = new Map<string, string>();
  const bools = new Set<string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (booleans.includes(name)) {
      bools.add(name);
      continue;
    }
    if (!valued.includes(name)) throw new InvalidArgumentError(`Unknown option --${name}.`, usage || undefined);
    const value = eq > 0 ? a.slice(eq + 1) : args[++i];
    if (value === undefined || (eq < 0 && value.startsWith('--'))) throw new InvalidArgumentError(`Option --${name} needs a value.`, usage || undefined);
    flags.set(name, value);
  }
  return { flags, bools, positional };
}

export function required(p: ParsedArgs, name: string, usage: string): string {
  const v = p.flags.get(name);
  if (v === undefined) throw new InvalidArgumentError(`Missing --${name}.`, usage);
  return v;
}

export function intFlag(p: ParsedArgs, name: string, fallback: number, min = 1): number {
  const v = p.flags.get(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`--${name} must be an integer ≥ ${min}, got "${v}".`);
  return n;
}
