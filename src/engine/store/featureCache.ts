// The feature cache: what a tile's backbone features cost to compute is paid once. Two implementations
// share this interface: SqliteFeatureCache (the real one, a file shared by processes) and
// MemoryFeatureCache (its twin for tests and for runs with the cache disabled).

/** One feature map of one tile, e.g. scale s1 at timestep label 47: shape [C, H, W]. */
export interface FeatureTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export type FeatureSet = readonly FeatureTensor[];

export interface FeatureCacheStats {
  readonly entries: number;
  /** Bytes of feature data stored (after compression). */
  readonly bytes: number;
  readonly capBytes: number;
  /** This process: lookups answered / missed since the cache was opened. */
  readonly hits: number;
  readonly misses: number;
  /** All time: rows dropped because their checksum or shape did not match, and rows evicted by the cap. */
  readonly corruptDropped: number;
  readonly evicted: number;
  readonly byBackbone: ReadonlyArray<{ readonly backbone: string; readonly entries: number; readonly bytes: number }>;
  /** Size of the database file(s) on disk; null for the in-memory twin. */
  readonly fileBytes: number | null;
  readonly path: string | null;
}

export interface PutOptions {
  readonly backbone: string;
}

/** Where a lookup may decode a row instead of allocating: memory the caller owns and lends (a job recycles
 *  one per tile slot, so a warm run does not hand the garbage collector 8 MB per tile). The FeatureSet then
 *  aliases that memory and is valid until the caller reuses it. */
export interface FeatureBuffer {
  /** The first `count` IEEE half-precision values of `halves` (little-endian bytes) as float32: exactly
   *  `count` values, in memory the buffer owns (a HalfDecoder's), overwritten by its next decode. */
  decodeHalves(halves: Uint8Array, count: number): Float32Array;
}

export interface FeatureCache {
  /** A row's tensors are views of one Float32Array: decoded by `into` when given, else a fresh one. */
  get(key: string, into?: FeatureBuffer): FeatureSet | null;
  has(key: string): boolean;
  /** Stores a tile's features (as fp16) and evicts least-recently-used rows beyond the cap. */
  put(key: string, features: FeatureSet, opts: PutOptions): void;
  /** Remembers which key a raster window had, so estimates can count hits without reading pixels. */
  indexWindow(source: string, window: string, settings: string, key: string): void;
  lookupWindow(source: string, window: string, settings: string): string | null;
  setCapBytes(bytes: number): void;
  stats(): FeatureCacheStats;
  /** Drops every entry (all backbones, or one). Returns the number of rows removed. */
  clear(backbone?: string): number;
  close(): void;
}

export const DEFAULT_CACHE_CAP_BYTES = 8 * 1024 ** 3;

export function featureSetBytes(set: FeatureSet): number {
  return set.reduce((n, t) => n + t.data.length * 4, 0);
}
