// Long work (segmentation, classification, feature extraction, exports, training) reports through these
// types. They are plain serializable data: they cross IPC and WebSocket unchanged, and the CLI, the app and
// the tests read the same events.
import type { SerializedError } from './errors';

export type JobKind = 'segment' | 'classify' | 'extract' | 'train' | 'export';

/** Something the user should know before or while a job runs; it does not stop the job. */
export interface JobWarning {
  readonly code: 'BANDS_MISMATCH' | 'GSD_MISMATCH' | 'DTYPE_MISMATCH' | 'NO_CRS' | 'CACHE_DISABLED' | 'RESUMED' | 'OTHER';
  readonly message: string;
}

/** What a job will cost, computed before it starts (no feature is extracted to compute it). */
export interface JobEstimate {
  readonly kind: JobKind;
  /** Tiles the job will run (tiles entirely outside the AOI or entirely nodata are not counted). */
  readonly tiles: number;
  /** Tiles whose features are already in the cache (extraction skipped). */
  readonly cachedTiles: number;
  /** Tiles a previous, interrupted run of the same job already finished (resume). */
  readonly resumedTiles: number;
  /** Tiles per inference batch. */
  readonly batchSize: number;
  /** Pixels inside the AOI. */
  readonly pixels: number;
  /** AOI area in km²; null when the raster is not georeferenced or its units are unknown. */
  readonly areaKm2: number | null;
  /** Expected wall time on this device in seconds; null until a timing for this backbone exists. */
  readonly expectedSeconds: number | null;
  /** Where the timing came from: measured on this machine, nominal (the model's own figure), or unknown. */
  readonly timingSource: 'measured' | 'nominal' | 'unknown';
  /** The execution device as the runtime reports it, e.g. "cpu (2 threads)". */
  readonly device: string;
  readonly warnings: readonly JobWarning[];
}

/** A progress event; emitted at most a few times a second and always for the last unit. */
export interface JobProgress {
  readonly jobId: string;
  readonly kind: JobKind;
  readonly phase: 'preparing' | 'tiles' | 'writing' | 'done';
  /** Units done so far (tiles during the `tiles` phase, output rows while writing), resumed units included. */
  readonly done: number;
  readonly total: number;
  readonly unit: string;
  /** Units per second over the recent past (resumed units excluded); 0 until measurable. */
  readonly rate: number;
  /** Seconds left at the current rate; null until measurable. */
  readonly etaSeconds: number | null;
  readonly elapsedSeconds: number;
  /** Tiles served from the feature cache so far. */
  readonly cacheHits: number;
  readonly message?: string;
}

export type JobOutcome<R = unknown> =
  | { readonly status: 'succeeded'; readonly jobId: string; readonly result: R; readonly elapsedSeconds: number; readonly warnings: readonly JobWarning[] }
  | { readonly status: 'failed'; readonly jobId: string; readonly reason: SerializedError; readonly elapsedSeconds: number }
  | {
      readonly status: 'cancelled';
      readonly jobId: string;
      /** Units finished and journalled; running the same job again resumes after them. */
      readonly done: number;
      readonly total: number;
      readonly resumable: boolean;
      readonly elapsedSeconds: number;
    };

export type JobEvent<R = unknown> =
  | { readonly type: 'estimate'; readonly jobId: string; readonly estimate: JobEstimate }
  | { readonly type: 'progress'; readonly progress: JobProgress }
  | { readonly type: 'warning'; readonly jobId: string; readonly warning: JobWarning }
  | { readonly type: 'outcome'; readonly outcome: JobOutcome<R> };

/** A class a head predicts; the colour is the one masks and vectors are drawn with. */
export interface ClassInfo {
  readonly id: number;
  readonly name: string;
  /** [r, g, b], 0–255. */
  readonly color: readonly [number, number, number];
}

/** What a finished segmentation job wrote. */
export interface SegmentResult {
  readonly maskPath: string;
  readonly probabilitiesPath: string | null;
  readonly vectorPath: string | null;
  readonly classes: readonly ClassInfo[];
  readonly tiles: number;
  readonly cacheHits: number;
  /** Pixels per class id in the AOI (nodata excluded). */
  readonly pixelsPerClass: Readonly<Record<number, number>>;
  readonly featureCount: number | null;
}

/** What a finished classification job wrote or found. */
export interface ClassifyResult {
  /** Scene-label raster (one pixel per grid cell) when the job classified every tile of a grid. */
  readonly labelRasterPath: string | null;
  /** The AOI's class when the job classified one area. */
  readonly label: { readonly classId: number; readonly probabilities: readonly number[] } | null;
  readonly classes: readonly ClassInfo[];
  readonly tiles: number;
  readonly cacheHits: number;
}
