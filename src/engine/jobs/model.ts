// What a job needs from the model side, as small interfaces: the backbone as a FeatureExtractor (tile
// pixels → per-scale feature tensors) and a head (features → class logits). The real backbone and heads
// implement them; tests use hand-computable fakes whose right answer is known without running the job.
import type { ClassInfo } from '../../shared/jobs';
import type { RasterBlock } from '../raster/source';
import type { FeatureSet } from '../store/featureCache';

/** One tile ready for the backbone: channels-first float32, already normalised. */
export interface TileInput {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  /** channels × height × width. */
  readonly data: Float32Array;
  /** height × width, 1 = the pixel holds data. */
  readonly valid: Uint8Array;
}

/** Band choice and normalisation: raster block → backbone input. Its descriptor is part of the cache key. */
export interface InputPreparer {
  /** 0-based source bands read for the backbone, in the order it takes them. */
  readonly bands: readonly number[];
  /** JSON describing the normalisation (kind, ranges, nodata fill): changes the features, so it keys the cache. */
  readonly descriptor: unknown;
  prepare(block: RasterBlock): TileInput;
}

export interface FeatureExtractor {
  /** Backbone id, e.g. "default-ldm-v1". */
  readonly id: string;
  /** Hash of the weights file(s): a retrained backbone never reuses old features. */
  readonly weightsHash: string;
  /** Side of the square tile the backbone takes, in pixels. */
  readonly tileSize: number;
  readonly inputChannels: number;
  /** Timesteps, taps, latent mode...: part of the cache key. */
  readonly settings: unknown;
  /** Where it runs, as the runtime reports it (e.g. "cpu (2 threads)"). */
  readonly device: string;
  /** The model's own figure for seconds per tile on a CPU like the project's, used until one is measured here. */
  readonly nominalSecondsPerTile?: number;
  extract(tiles: readonly TileInput[], signal?: AbortSignal): Promise<FeatureSet[]>;
}

/** What a head was trained on; a job warns when the raster differs. */
export interface HeadExpectations {
  readonly bands?: number;
  readonly bandNames?: readonly string[];
  /** Ground sample distance range in metres. */
  readonly gsdMetres?: readonly [number, number];
}

export interface SegmentationHead {
  readonly id: string;
  readonly classes: readonly ClassInfo[];
  readonly expects?: HeadExpectations;
  readonly nominalSecondsPerTile?: number;
  /** One logits array per tile: classes × height × width at tile resolution. */
  predict(features: readonly FeatureSet[], size: { readonly width: number; readonly height: number }, signal?: AbortSignal): Promise<Float32Array[]>;
}

export interface ClassificationHead {
  readonly id: string;
  readonly classes: readonly ClassInfo[];
  readonly expects?: HeadExpectations;
  readonly nominalSecondsPerTile?: number;
  /** One logits vector (length = classes) per tile. */
  classify(features: readonly FeatureSet[], signal?: AbortSignal): Promise<Float32Array[]>;
}
