// Session state that is not part of the saved project: tools, selection, dialogs, cursor, jobs, the engine.
import type {
  EngineInfo, EngineJobKind, FileKind, IdentifyResult, JobEstimate, JobOutcome, JobProgress, JobResult, LossPoint,
  ModelCatalog, RasterHandle, RasterStatistics, RecoveryEntry, SegmentOutput, VectorDataset,
} from '../../shared/contract';

export type ToolId = 'pan' | 'aoiRect' | 'aoiPolygon' | 'identify' | 'measureLength' | 'measureArea' | 'labelDraw' | 'labelEdit';
export type DockTab = 'analyse' | 'labels' | 'train' | 'compare';

export interface FileDialogRequest {
  readonly mode: 'open' | 'save';
  readonly title: string;
  readonly kinds: readonly FileKind[];
  /** Extension added to a typed save name that has none, e.g. '.sdfproj'. */
  readonly extension?: string;
  readonly suggestedName?: string;
}

export type Dialog =
  | { readonly kind: 'file'; readonly request: FileDialogRequest; readonly resolve: (path: string | null) => void }
  | { readonly kind: 'export' }
  | { readonly kind: 'style'; readonly layerId: string }
  | { readonly kind: 'about' }
  | { readonly kind: 'recovery'; readonly entries: readonly RecoveryEntry[] }
  | { readonly kind: 'importLabels'; readonly dataset: VectorDataset };

export interface UiState {
  readonly tool: ToolId;
  readonly selectedLayerId: string | null;
  readonly selectedLabelIds: readonly string[];
  readonly activeClassId: number;
  readonly identify: { readonly result: IdentifyResult | null; readonly error: Error | null; readonly layerName: string } | null;
  /** value in metres / m², or in pixels / px² on a pixel grid (geodesic is then NaN: there is no ellipsoid). */
  readonly measure: { readonly kind: 'length' | 'area'; readonly value: number; readonly geodesic: number; readonly pixels?: boolean } | null;
  readonly dock: DockTab;
  readonly dialog: Dialog | null;
  readonly notice: { readonly level: 'info' | 'error'; readonly text: string; readonly hint?: string } | null;
  /** Set by "zoom to" requests; the map consumes it. */
  readonly zoomRequest: { readonly extent: readonly [number, number, number, number]; readonly seq: number } | null;
}

export const initialUi: UiState = {
  tool: 'pan', selectedLayerId: null, selectedLabelIds: [], activeClassId: 1, identify: null, measure: null,
  dock: 'analyse', dialog: null, notice: null, zoomRequest: null,
};

export interface LayerRuntime {
  readonly status: 'loading' | 'ready' | 'error';
  readonly error: Error | null;
  readonly raster: RasterHandle | null;
  readonly stats: RasterStatistics | null;
  readonly vector: VectorDataset | null;
}

export interface CursorState {
  readonly map: readonly [number, number] | null;
  readonly lonLat: readonly [number, number] | null;
  readonly resolution: number | null;
}

export interface JobView {
  readonly jobId: string;
  readonly kind: EngineJobKind;
  readonly title: string;
  readonly estimate: JobEstimate | null;
  readonly progress: JobProgress | null;
  readonly outcome: JobOutcome<JobResult> | null;
  readonly loss: readonly LossPoint[];
  readonly log: readonly string[];
}

export interface EngineState {
  readonly info: EngineInfo | null;
  readonly connection: 'connecting' | 'open' | 'closed';
  readonly models: ModelCatalog | null;
  readonly error: Error | null;
}

export interface ResultsState {
  readonly segments: Readonly<Record<string, SegmentOutput>>;
}
