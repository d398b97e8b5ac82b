// Static or symbolic shapes. A dim is a number (known) or a string (a symbol such as 'batch'); the rank is always
// known. Symbols compare by name: two dims named 'batch' are the same size.
import { InvalidArgumentError } from '../../shared/errors';

export type Dim = number | string;
export type Shape = readonly Dim[];

export function formatShape(s: Shape): string {
  return `[${s.join(', ')}]`;
}

export function isStatic(s: Shape): s is readonly number[] {
  return s.every((d) => typeof d === 'number');
}

/** The number of elements, or undefined when a dim is symbolic. */
export function numel(s: Shape): number | undefined {
  let n = 1;
  for (const d of s) {
    if (typeof d !== 'number') return undefined;
    n *= d;
  }
  return n;
}

export function staticShape(s: Shape, what: string): number[] {
  if (!isStatic(s)) throw new InvalidArgumentError(`${what} needs a static shape but has ${formatShape(s)}.`, 'Build this part of the graph with fixed sizes (e.g. a fixed batch).');
  return [...s];
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Numpy broadcasting of two shapes; throws naming both shapes when they do not broadcast. */
export function broadcastShapes(a: Shape, b: Shape, what: string): Dim[] {
  const n = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da === db || db === 1) out.push(da);
    else if (da === 1) out.push(db);
    else if (typeof da === 'string' || typeof db === 'string') out.push(typeof da === 'number' ? da : db);
    else throw new InvalidArgumentError(`${what}: shapes ${formatShape(a)} and ${formatShape(b)} do not broadcast.`, 'Reshape or unsqueeze one operand so the trailing dims match or are 1.');
  }
  return out;
}

/** A negative axis counted from the end, checked against the rank. */
export function normAxis(axis: number, rank: number, what: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new InvalidArgumentError(`${what}: axis ${axis} is out of range for rank ${rank}.`);
  return a;
}

/** Row-major strides of a static shape. */
export function strides(s: readonly number[]): number[] {
  const out = new Array<number>(s.length);
  let acc = 1;
  for (let i = s.length - 1; i >= 0; i--) {
    out[i] = acc;
    acc *= s[i];
  }
  return out;
}
