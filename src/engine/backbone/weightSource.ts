// Checkpoint tensors as the graph builder's weight map: read lazily by torch-style name, checked against the shape
// the graph declares, with renames for old checkpoint spellings. Every parameter a graph declares must come from
// the checkpoint (a missing one is an error, never a silent random init).
import { SatError } from '../../shared/errors';
import type { TypedArray } from '../nn/dtype';
import type { WeightReader } from '../nn/weights/reader';

export class WeightSource implements ReadonlyMap<string, TypedArray> {
  private readonly used = new Set<string>();

  /**
   * @param rename maps a graph parameter name to the checkpoint's name for it (e.g. new → old attention names).
   */
  constructor(
    readonly reader: WeightReader,
    private readonly rename: (name: string) => string = (n) => n,
    readonly label = reader.path,
  ) {}

  private source(name: string): string | undefined {
    if (this.reader.has(name)) return name;
    const alt = this.rename(name);
    return this.reader.has(alt) ? alt : undefined;
  }

  /** Checks that `name` exists with `shape` (trailing 1-dims of the checkpoint tolerated, as 1×1 conv → linear). */
  expect(name: string, shape: readonly number[]): void {
    const src = this.source(name);
    if (!src) {
      throw new SatError('MODEL_MISMATCH', `${this.label} has no tensor "${name}".`, {
        hint: 'The weights do not match config.json (a different model, block layout or naming). Use the config and weights of the same checkpoint.',
        details: { name, path: this.reader.path },
      });
    }
    const got = this.reader.info(src).shape;
    const strip = (s: readonly number[]) => {
      const a = [...s];
      while (a.length > shape.length && a[a.length - 1] === 1) a.pop();
      return a;
    };
    if (strip(got).join(',') !== shape.join(',')) {
      throw new SatError('MODEL_MISMATCH', `${this.label}: tensor "${src}" has shape [${got.join(', ')}] but config.json implies [${shape.join(', ')}].`, {
        hint: 'config.json and the weights disagree (channel widths, heads, cross-attention width or in/out channels). Use the config that came with the weights.',
        details: { name: src, got, want: shape },
      });
    }
  }

  get(name: string): TypedArray | undefined {
    const src = this.source(name);
    if (!src) return undefined;
    this.used.add(src);
    return this.reader.readFloat32(src);
  }

  has(name: string): boolean {
    return this.source(name) !== undefined;
  }

  /** Checkpoint tensors no graph parameter used (after build): lets callers reject or ignore extras. */
  unused(): string[] {
    return this.reader.list().map((t) => t.name).filter((n) => !this.used.has(n));
  }

  get size(): number {
    return this.reader.list().length;
  }

  forEach(cb: (value: TypedArray, key: string, map: ReadonlyMap<string, TypedArray>) => void): void {
    for (const [k, v] of this.entries()) cb(v, k, this);
  }

  *entries(): MapIterator<[string, TypedArray]> {
    for (const t of this.reader.list()) yield [t.name, this.reader.readFloat32(t.name)];
  }

  *keys(): MapIterator<string> {
    for (const t of this.reader.list()) yield t.name;
  }

  *values(): MapIterator<TypedArray> {
    for (const t of this.reader.list()) yield this.reader.readFloat32(t.name);
  }

  [Symbol.iterator](): MapIterator<[string, TypedArray]> {
    return this.entries();
  }
}
