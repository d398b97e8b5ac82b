// The engine contract: every request the UI may make of the engine, its response, and the events the engine
// pushes. It is the single source of truth for the two transports (Electron IPC through the preload bridge,
// and the web-mode WebSocket); both carry exactly these JSON-serializable shapes, so nothing here may hold a
// function, a class instance, a typed array or a Date.
//
// Coordinates always travel with their CRS (`CrsRef`): the engine reprojects, the renderer never guesses.
// Errors travel as SerializedError (errors.ts) and are rebuilt into SatError on the calling side; a capability
// that has not been built yet answers NOT_IMPLEMENTED with a message naming what is missing.

import type { SerializedError } from './errors';
import type { PolygonGeometry } from './geometry';
import type { RasterInfo } from './raster';
import type { ClassInfo, JobEstimate, JobKind, JobOutcome, JobProgress } from './jobs';

export type { ClassInfo, JobEstimate, JobOutcome, JobProgress } from './jobs';

export const CONTRACT_VERSION = 1;

/** 'EPSG:<code>', a proj4 definition string (what RasterInfo.crs.definition holds), or PIXEL_CRS. */
export type CrsRef = string;

/**
 * The CrsRef of a raster without georeferencing (a PNG, a JPEG, a plain TIFF): x = column, y = row (y grows
 * downwards), in pixels of that raster, as GDAL reads such files. Nothing can be reprojected to or from it.
 */
export const PIXEL_CRS = 'PIXEL';

export function isPixelCrs(ref: CrsRef | null | undefined): boolean {
  return typeof ref === 'string' && ref.trim().toUpperCase() === PIXEL_CRS;
}

// ---------------------------------------------------------------------------------------------------------
// Engine

/** The runtime's provider names (src/engine/runtime/providers.ts). */
export type ExecutionProviderName = 'cuda' | 'dml' | 'webgpu' | 'cpu';

export interface ExecutionProviderStatus {
  /** What the engine asked onnxruntime for, in order of preference. */
  readonly requested: readonly ExecutionProviderName[];
  /** What actually ran the last session; null until a model has been loaded. */
  readonly active: ExecutionProviderName | null;
  /** One line a user can read, e.g. "CPU (CUDA requested, libcudart not found)". */
  readonly detail: string;
}

export type Capability =
  | 'rasters' | 'identify' | 'vectors' | 'projects' | 'cog'
  | 'segment' | 'train' | 'compare' | 'exportRaster' | 'exportVector' | 'heads';

export interface CapabilityStatus {
  readonly available: boolean;
  /** Why it is unavailable, in words a user can act on. */
  readonly reason?: string;
}

export interface EngineInfo {
  readonly version: string;
  readonly contractVersion: number;
  /** 'desktop' when served by Electron's utility process, 'web' when served by `satdifuser serve`. */
  readonly host: 'desktop' | 'web' | 'test';
  readonly platform: string;
  readonly executionProvider: ExecutionProviderStatus;
  readonly capabilities: Readonly<Record<Capability, CapabilityStatus>>;
  /** Absolute path of the bundled sample scene, when present. */
  readonly sampleScene: string | null;
  /** Folder where the engine keeps recovery files, results and the feature cache. */
  readonly dataDir: string;
  readonly homeDir: string;
}

// ---------------------------------------------------------------------------------------------------------
// Files (web mode has no native dialog: the UI browses the engine machine's folders through this)

export type FileKind = 'directory' | 'raster' | 'vector' | 'project' | 'head' | 'other';

export interface FileEntry {
  readonly name: string;
  readonly path: string;
  readonly kind: FileKind;
  readonly size: number | null;
  readonly modified: string | null;
}

export interface DirectoryListing {
  readonly path: string;
  readonly parent: string | null;
  readonly entries: readonly FileEntry[];
  /** Shortcuts to show beside the listing (home, sample data, data folder, drives). */
  readonly places: readonly { readonly label: string; readonly path: string }[];
}

// ---------------------------------------------------------------------------------------------------------
// Rasters

export interface RasterHandle {
  /** Stable for the life of the engine; the key for every later raster request and for the served bytes. */
  readonly rasterId: string;
  readonly name: string;
  readonly info: RasterInfo;
  /** How the bytes reach the map: the original file, or a cloud-optimized copy made on open. */
  readonly served: { readonly kind: 'original' | 'cog'; readonly bytes: number; readonly note: string | null };
}

export interface BandStatistics {
  /** 0-based band index. */
  readonly band: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly stdDev: number;
  /** 2nd and 98th percentiles: QGIS's default cumulative-count cut. */
  readonly p2: number;
  readonly p98: number;
  readonly validCount: number;
}

export interface RasterStatistics {
  readonly bands: readonly BandStatistics[];
  /** Computed from an overview or a bounded sample rather than every pixel. */
  readonly approximate: boolean;
  /** The pixel grid the statistics were computed on, e.g. "overview 1 (175×176)". */
  readonly sampledFrom: string;
}

export interface IdentifyResult {
  readonly inside: boolean;
  /** Integer pixel (column, row) hit by the point; null outside the raster. */
  readonly pixel: { readonly col: number; readonly row: number } | null;
  /** One value per band; null where the pixel is nodata. */
  readonly values: readonly (number | null)[];
  readonly bandNames: readonly string[];
  /** The point in the raster's CRS. */
  readonly rasterXY: readonly [number, number];
}

// ---------------------------------------------------------------------------------------------------------
// Vectors, areas, labels

export interface GeoJsonFeature {
  readonly type: 'Feature';
  readonly id?: string | number;
  readonly geometry: { readonly type: string; readonly coordinates: unknown } | null;
  readonly properties: Readonly<Record<string, unknown>> | null;
}

export interface GeoJsonFeatureCollection {
  readonly type: 'FeatureCollection';
  readonly features: readonly GeoJsonFeature[];
}

export interface VectorDataset {
  readonly path: string;
  readonly name: string;
  readonly format: 'GeoJSON' | 'Shapefile' | 'GeoPackage';
  /** The CRS the file declares (GeoJSON without a crs member is EPSG:4326). */
  readonly sourceCrs: CrsRef;
  /** The CRS of `features` (the request's target CRS, or the source CRS). */
  readonly crs: CrsRef;
  readonly features: GeoJsonFeatureCollection;
  readonly fields: readonly string[];
  readonly geometryTypes: readonly string[];
}

/** An area of interest: one polygon or multipolygon in a stated CRS. */
export interface Aoi {
  readonly geometry: PolygonGeometry;
  readonly crs: CrsRef;
}

export interface LabelFeature {
  readonly id: string;
  readonly classId: number;
  readonly geometry: PolygonGeometry;
}

export interface LabelSet {
  readonly crs: CrsRef;
  readonly features: readonly LabelFeature[];
}

// ---------------------------------------------------------------------------------------------------------
// Models and heads

/** The paper's three strategies, and plain concatenation (the ablation baseline). */
export type FusionStrategy = 'gw' | 'lw' | 'moe' | 'concat';
export type HeadSize = 'light' | 'faithful';
export type HeadTask = 'segmentation' | 'classification';

export interface BackboneSummary {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  /** Bands the backbone expects, e.g. ['red', 'green', 'blue']. */
  readonly inputBands: readonly string[];
  readonly nativeTileSize: number;
  readonly isDefault: boolean;
}

export interface ClassMetrics {
  readonly classId: number;
  readonly name: string;
  /** null where undefined (no pixel of the class in the holdout and none predicted). */
  readonly iou: number | null;
  readonly f1: number | null;
  readonly precision: number | null;
  readonly recall: number | null;
  /** Holdout pixels of this class. */
  readonly support: number;
}

export interface HeadMetrics {
  readonly mIoU: number;
  readonly accuracy: number;
  readonly perClass: readonly ClassMetrics[];
  readonly trainPixels: number;
  readonly holdoutPixels: number;
}

export interface HeadSummary {
  readonly id: string;
  readonly name: string;
  readonly task: HeadTask;
  readonly backboneId: string;
  readonly fusion: FusionStrategy;
  readonly size: HeadSize;
  readonly classes: readonly ClassInfo[];
  readonly metrics: HeadMetrics | null;
  readonly createdAt: string;
  /** The tile size the head was trained on; segmentation with it uses this size. */
  readonly tileSize: number;
}

export interface ModelCatalog {
  readonly backbones: readonly BackboneSummary[];
  readonly heads: readonly HeadSummary[];
}

// ---------------------------------------------------------------------------------------------------------
// Jobs

/** The pipeline's job kinds plus the app-level jobs built from them (a comparison runs several segmentations). */
export type EngineJobKind = JobKind | 'compare' | 'cog';

export interface JobTicket {
  readonly jobId: string;
  readonly kind: EngineJobKind;
}

export interface TilingSettings {
  /** Tile edge in pixels. */
  readonly tileSize: number;
  /** Pixels shared by neighbouring tiles (blended). */
  readonly overlap: number;
}

export interface SegmentRequest extends TilingSettings {
  readonly rasterId: string;
  /** null = the whole raster. */
  readonly aoi: Aoi | null;
  readonly backboneId: string;
  readonly headId: string;
  /** 0-based bands fed to the backbone in its input order; null = the backbone's default choice. */
  readonly bands: readonly number[] | null;
  readonly probabilities: boolean;
}

export interface SegmentOutput {
  readonly resultId: string;
  readonly headId: string;
  readonly fusion: FusionStrategy;
  readonly classes: readonly ClassInfo[];
  readonly mask: RasterHandle;
  readonly probabilities: RasterHandle | null;
}

export interface TrainRequest extends TilingSettings {
  readonly rasterId: string;
  readonly name: string;
  readonly backboneId: string;
  readonly fusion: FusionStrategy;
  readonly size: HeadSize;
  readonly classes: readonly ClassInfo[];
  readonly labels: LabelSet;
  /** Fraction of labelled polygons held out for the per-class metrics (0.1–0.5). */
  readonly holdoutFraction: number;
  readonly maxEpochs: number;
  readonly seed: number;
}

/** What a training run will cost on this machine, shown before Train. */
export interface TrainEstimate {
  /** Backbone tiles the labels touch: their features are extracted (or read from the cache) once. */
  readonly tiles: number;
  /** Training samples: whole tiles, or the 128-px crops holding labels when the labels are sparse. */
  readonly samples: number;
  /** Crop side the head trains on (the tile size when the labels are dense). */
  readonly crop: number;
  readonly batch: number;
  readonly stepsPerEpoch: number;
  /** Upper bound: early stopping usually ends the run sooner. */
  readonly maxEpochs: number;
  readonly maxSteps: number;
  /** Trainable parameters of the head (fusion + decoder). */
  readonly parameters: number;
  readonly memory: {
    /** Weights, gradients and the two Adam moments, float32. */
    readonly optimizerBytes: number;
    /** Every tile's features kept in memory for the run (float16). */
    readonly featureBytes: number;
    /** One batch of input features (float32). */
    readonly batchBytes: number;
    /** Every value of one training step's graph (forward, gradients, update) without buffer reuse: an upper bound. */
    readonly activationBytes: number;
    readonly totalBytes: number;
  };
  /** Seconds for the feature extraction of the tiles (all of them, as if none were cached); null when never timed. */
  readonly extractSeconds: number | null;
  /** Seconds per optimizer step (holdout evaluations included); null when no training was ever timed here. */
  readonly stepSeconds: number | null;
  /** Upper bound of the wall time; null when the step cost is unknown. */
  readonly expectedSeconds: number | null;
  /**
   * 'measured': a previous run of this head configuration on this machine; 'scaled': other configurations'
   * measured cost per byte of a training step's graph values, times this step's bytes; 'unknown': nothing was
   * timed here yet.
   */
  readonly timingSource: 'measured' | 'scaled' | 'unknown';
  readonly device: string;
  /** One sentence saying what the figures are based on. */
  readonly basis: string;
}

export interface LossPoint {
  readonly epoch: number;
  readonly step: number;
  /** null on a point that only reports the holdout loss (an evaluation before any training step). */
  readonly trainLoss: number | null;
  readonly holdoutLoss: number | null;
  readonly learningRate: number;
}

export interface TrainResult {
  readonly head: HeadSummary;
  readonly metrics: HeadMetrics;
  readonly epochs: number;
}

export interface CompareRequest extends TilingSettings {
  readonly rasterId: string;
  readonly aoi: Aoi | null;
  /** Two or three heads, usually the same classes with different fusion strategies. */
  readonly headIds: readonly string[];
  /** Held-out labels to score each head on; null = no metric table. */
  readonly holdout: LabelSet | null;
}

export interface CompareResult {
  readonly results: readonly SegmentOutput[];
  /** uint8 raster: number of heads that disagree with the majority at each pixel (0 = all agree). */
  readonly disagreement: RasterHandle;
  readonly disagreementFraction: number;
  readonly metrics: readonly { readonly headId: string; readonly metrics: HeadMetrics | null }[];
}

export type ExportFormat = 'mask-geotiff' | 'probabilities-geotiff' | 'shapefile' | 'geopackage' | 'geojson';

export interface VectorExportOptions {
  /** Douglas–Peucker-style tolerance in the raster's CRS units; 0 = exact pixel edges. */
  readonly simplifyTolerance: number;
  /** Polygons smaller than this (square CRS units of the raster) are dropped. */
  readonly minArea: number;
  /** Output CRS; null = the raster's CRS. GeoJSON is always written in WGS 84 (RFC 7946). */
  readonly crs: CrsRef | null;
  /** Classes to write; null = all. */
  readonly classIds: readonly number[] | null;
}

export interface ExportRequest {
  readonly resultId: string;
  readonly format: ExportFormat;
  readonly path: string;
  readonly vector: VectorExportOptions;
}

export interface ExportPreview {
  readonly featureCount: number;
  readonly perClass: readonly { readonly classId: number; readonly count: number }[];
  /** The CRS the file will be in, or 'none' for a raster without georeferencing (pixel coordinates). */
  readonly crs: CrsRef;
}

export interface ExportResult {
  readonly files: readonly string[];
  readonly featureCount: number | null;
  /** The CRS the files are in; null when the source raster has no georeferencing (pixel coordinates, no CRS). */
  readonly crs: CrsRef | null;
}

export type JobResult =
  | { readonly kind: 'segment'; readonly segment: SegmentOutput }
  | { readonly kind: 'train'; readonly train: TrainResult }
  | { readonly kind: 'compare'; readonly compare: CompareResult }
  | { readonly kind: 'export'; readonly export: ExportResult }
  | { readonly kind: 'cog'; readonly raster: RasterHandle };

export interface JobSummary {
  readonly jobId: string;
  readonly kind: EngineJobKind;
  readonly title: string;
  readonly startedAt: string;
  readonly progress: JobProgress | null;
  readonly outcome: JobOutcome<JobResult> | null;
}

// ---------------------------------------------------------------------------------------------------------
// Projects (one JSON file; labels and styles travel in it, rasters and results are referenced by path)

export interface StretchSpec {
  readonly kind: 'minmax' | 'percentile' | 'stddev' | 'manual';
  /** [min, max] per displayed band, in data values. */
  readonly ranges: readonly (readonly [number, number])[];
}

export interface RasterStyle {
  readonly mode: 'rgb' | 'gray';
  /** 0-based bands: three for rgb, one for gray. */
  readonly bands: readonly number[];
  readonly stretch: StretchSpec;
  readonly nodataTransparent: boolean;
}

interface LayerCommon {
  readonly id: string;
  readonly name: string;
  readonly visible: boolean;
  readonly opacity: number;
}

export type ProjectLayer =
  | (LayerCommon & { readonly kind: 'raster'; readonly path: string; readonly style: RasterStyle })
  | (LayerCommon & { readonly kind: 'vector'; readonly path: string; readonly stroke: string; readonly fill: string; readonly strokeWidth: number })
  | (LayerCommon & { readonly kind: 'mask'; readonly path: string; readonly resultId: string | null; readonly classes: readonly ClassInfo[] })
  | (LayerCommon & { readonly kind: 'probability'; readonly path: string; readonly classId: number; readonly classes: readonly ClassInfo[] })
  | (LayerCommon & { readonly kind: 'disagreement'; readonly path: string });

export interface AnalysisSettings {
  readonly backboneId: string | null;
  readonly headId: string | null;
  readonly fusion: FusionStrategy;
  readonly tileSize: number;
  readonly overlap: number;
}

export interface ProjectDocument {
  readonly format: 'satdifuser-project';
  readonly version: 1;
  readonly name: string;
  /** The map CRS; null until the first layer fixes it. */
  readonly crs: CrsRef | null;
  readonly view: { readonly center: readonly [number, number]; readonly resolution: number; readonly rotation: number } | null;
  /** Bottom to top, as drawn. */
  readonly layers: readonly ProjectLayer[];
  readonly classes: readonly ClassInfo[];
  readonly labels: LabelSet | null;
  readonly aoi: Aoi | null;
  readonly analysis: AnalysisSettings;
}

export interface RecoveryEntry {
  readonly key: string;
  readonly projectPath: string | null;
  readonly name: string;
  readonly savedAt: string;
}

// ---------------------------------------------------------------------------------------------------------
// The method table

export interface EngineMethods {
  'engine.hello': { params: Record<string, never>; result: EngineInfo };

  'fs.list': { params: { path: string | null; kinds: readonly FileKind[] | null }; result: DirectoryListing };

  'raster.open': { params: { path: string }; result: RasterHandle };
  'raster.statistics': { params: { rasterId: string; bands: readonly number[] | null }; result: RasterStatistics };
  'raster.identify': { params: { rasterId: string; x: number; y: number; crs: CrsRef }; result: IdentifyResult };
  'raster.close': { params: { rasterId: string }; result: { closed: boolean } };

  'vector.read': { params: { path: string; crs: CrsRef | null }; result: VectorDataset };

  'models.list': { params: Record<string, never>; result: ModelCatalog };
  'heads.export': { params: { headId: string; path: string }; result: { path: string } };
  'heads.import': { params: { path: string }; result: HeadSummary };
  'heads.delete': { params: { headId: string }; result: { deleted: boolean } };

  'segment.estimate': { params: SegmentRequest; result: JobEstimate };
  'segment.start': { params: SegmentRequest; result: JobTicket };
  'train.estimate': { params: TrainRequest; result: TrainEstimate };
  'train.start': { params: TrainRequest; result: JobTicket };
  'compare.start': { params: CompareRequest; result: JobTicket };
  'export.preview': { params: Omit<ExportRequest, 'path'>; result: ExportPreview };
  'export.start': { params: ExportRequest; result: JobTicket };
  'jobs.cancel': { params: { jobId: string }; result: { cancelled: boolean } };
  'jobs.list': { params: Record<string, never>; result: readonly JobSummary[] };

  'project.save': { params: { path: string; document: ProjectDocument }; result: { path: string; savedAt: string; bytes: number } };
  'project.open': { params: { path: string }; result: { path: string; document: ProjectDocument; recovery: RecoveryEntry | null } };
  'project.autosave': { params: { projectPath: string | null; document: ProjectDocument }; result: RecoveryEntry };
  'project.recoveryList': { params: Record<string, never>; result: readonly RecoveryEntry[] };
  'project.recover': { params: { key: string }; result: { projectPath: string | null; document: ProjectDocument } };
  'project.discardRecovery': { params: { key: string }; result: { discarded: boolean } };
  'project.recent': { params: Record<string, never>; result: readonly string[] };
}

export type MethodName = keyof EngineMethods;
export type MethodParams<M extends MethodName> = EngineMethods[M]['params'];
export type MethodResult<M extends MethodName> = EngineMethods[M]['result'];

/** The Engine service and every client implement this shape. */
export type EngineContract = { [M in MethodName]: (params: MethodParams<M>) => Promise<MethodResult<M>> };

const methodTable: Record<MethodName, true> = {
  'engine.hello': true, 'fs.list': true,
  'raster.open': true, 'raster.statistics': true, 'raster.identify': true, 'raster.close': true,
  'vector.read': true,
  'models.list': true, 'heads.export': true, 'heads.import': true, 'heads.delete': true,
  'segment.estimate': true, 'segment.start': true, 'train.estimate': true, 'train.start': true,
  'compare.start': true, 'export.preview': true, 'export.start': true, 'jobs.cancel': true, 'jobs.list': true,
  'project.save': true, 'project.open': true, 'project.autosave': true, 'project.recoveryList': true,
  'project.recover': true, 'project.discardRecovery': true, 'project.recent': true,
};

/** Every method name, for transports that must refuse anything else. */
export const ENGINE_METHODS: readonly MethodName[] = Object.freeze(Object.keys(methodTable) as MethodName[]);

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(methodTable, name);
}

// ---------------------------------------------------------------------------------------------------------
// Events pushed by the engine

export type EngineEvent =
  | { readonly topic: 'job.started'; readonly jobId: string; readonly kind: EngineJobKind; readonly title: string; readonly estimate: JobEstimate | null }
  | { readonly topic: 'job.progress'; readonly jobId: string; readonly kind: EngineJobKind; readonly progress: JobProgress }
  | { readonly topic: 'job.log'; readonly jobId: string; readonly level: 'info' | 'warning'; readonly message: string }
  | { readonly topic: 'job.loss'; readonly jobId: string; readonly point: LossPoint }
  | { readonly topic: 'job.finished'; readonly jobId: string; readonly kind: EngineJobKind; readonly outcome: JobOutcome<JobResult> }
  | { readonly topic: 'engine.provider'; readonly status: ExecutionProviderStatus }
  /** The engine process stopped and was started again: open rasters and running jobs are gone. */
  | { readonly topic: 'engine.restarted'; readonly reason: string };

// ---------------------------------------------------------------------------------------------------------
// Wire messages (identical on both transports)

export interface RpcRequest {
  readonly kind: 'request';
  readonly id: number;
  readonly method: string;
  readonly params: unknown;
}

export type RpcResponse =
  | { readonly kind: 'response'; readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly kind: 'response'; readonly id: number; readonly ok: false; readonly error: SerializedError };

export interface RpcEvent {
  readonly kind: 'event';
  readonly event: EngineEvent;
}

export type RpcMessage = RpcRequest | RpcResponse | RpcEvent;

// ---------------------------------------------------------------------------------------------------------
// The desktop bridge: what the preload exposes as `window.satdifuser` (and nothing else). The renderer feature-
// detects it; in web mode it is absent and the WebSocket transport is used instead.

export interface FileFilter {
  readonly name: string;
  readonly extensions: readonly string[];
}

export interface OpenDialogRequest {
  readonly title: string;
  readonly filters: readonly FileFilter[];
  readonly multiple: boolean;
  readonly directory: boolean;
}

export interface SaveDialogRequest {
  readonly title: string;
  readonly filters: readonly FileFilter[];
  readonly defaultPath: string | null;
}

/** Commands the native menu sends to the renderer (the renderer registers an action under each id). */
export type MenuCommand =
  | 'project.new' | 'project.open' | 'project.save' | 'project.saveAs' | 'project.openRecent'
  | 'layer.addRaster' | 'layer.addVector' | 'layer.addSample' | 'layer.remove' | 'layer.zoomTo'
  | 'edit.undo' | 'edit.redo' | 'edit.delete'
  | 'view.zoomIn' | 'view.zoomOut' | 'view.fullExtent' | 'export.open' | 'help.about';

export interface MenuCommandMessage {
  readonly command: MenuCommand;
  /** The project path for project.openRecent. */
  readonly path?: string;
}

export interface DesktopBridge {
  readonly kind: 'electron';
  call(method: MethodName, params: unknown): Promise<RpcResponse>;
  onEvent(listener: (event: EngineEvent) => void): () => void;
  onMenu(listener: (message: MenuCommandMessage) => void): () => void;
  showOpenDialog(request: OpenDialogRequest): Promise<readonly string[] | null>;
  showSaveDialog(request: SaveDialogRequest): Promise<string | null>;
  /** The local path of a file dropped on the window. */
  pathForFile(file: { readonly name: string }): string;
  /** The URL the map reads a raster's bytes from (custom protocol with range requests). */
  rasterUrl(rasterId: string): string;
  /** Tell the shell the project's title and whether it has unsaved changes (window title, close prompt). */
  setDocumentState(state: { readonly title: string; readonly dirty: boolean }): void;
}

/** Electron IPC channel names, shared by main and the preload. */
export const IPC_CHANNELS = {
  engineCall: 'engine:call',
  engineEvent: 'engine:event',
  menuCommand: 'menu:command',
  openDialog: 'dialog:open',
  saveDialog: 'dialog:save',
  documentState: 'document:state',
} as const;
