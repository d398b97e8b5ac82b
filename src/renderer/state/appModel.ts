// The renderer's application model: the stores, the engine client, and undo/redo. Operations that talk to the
// engine live beside it (layerOps, projectOps, jobOps) and take the model as their first argument.
import type { DesktopBridge, EngineEvent, FileFilter, ProjectDocument } from '../../shared/contract';
import { isSatError } from '../../shared/errors';
import type { EngineClient } from '../client/engineClient';
import { perform as performAction, redo, undo, initialProjectState, type Action, type ProjectState } from './history';
import { emptyProject } from './project';
import { createStore, type Store } from './store';
import {
  initialUi, type CursorState, type EngineState, type FileDialogRequest, type JobView, type LayerRuntime, type ResultsState, type UiState,
} from './ui';

export class AppModel {
  readonly project: Store<ProjectState> = createStore(initialProjectState(emptyProject()));
  readonly ui: Store<UiState> = createStore(initialUi);
  readonly runtime: Store<Readonly<Record<string, LayerRuntime>>> = createStore({});
  readonly cursor: Store<CursorState> = createStore<CursorState>({ map: null, lonLat: null, resolution: null });
  readonly jobs: Store<Readonly<Record<string, JobView>>> = createStore({});
  readonly engine: Store<EngineState>;
  readonly results: Store<ResultsState> = createStore<ResultsState>({ segments: {} });
  private readonly eventHandlers = new Set<(e: EngineEvent) => void>();
  /** The map's current view, for saving; set by the map once it exists. */
  viewState: () => ProjectDocument['view'] = () => null;
  /** A saved view to restore once the map has its projection (after opening a project). */
  pendingView: ProjectDocument['view'] = null;

  constructor(readonly client: EngineClient, readonly desktop: DesktopBridge | null = null) {
    this.engine = createStore<EngineState>({ info: null, connection: client.connection, models: null, error: null });
    client.onConnection((connection) => this.engine.set((s) => ({ ...s, connection })));
    client.on((e) => {
      for (const h of this.eventHandlers) h(e);
    });
  }

  onEngineEvent(handler: (e: EngineEvent) => void): () => void {
    this.eventHandlers.add(handler);
    return () => this.eventHandlers.delete(handler);
  }

  perform<P>(action: Action<P>, payload: P): void {
    this.project.set((s) => performAction(s, action, payload));
  }

  undo(): void {
    this.project.set(undo);
  }

  redo(): void {
    this.project.set(redo);
  }

  setUi(patch: Partial<UiState> | ((s: UiState) => Partial<UiState>)): void {
    this.ui.set((s) => {
      const p = typeof patch === 'function' ? patch(s) : patch;
      const keys = Object.keys(p) as (keyof UiState)[];
      const same = keys.every((k) => Object.is(s[k], p[k]) || (Array.isArray(s[k]) && Array.isArray(p[k]) && (s[k] as unknown[]).length === 0 && (p[k] as unknown[]).length === 0));
      return same ? s : { ...s, ...p };
    });
  }

  setRuntime(layerId: string, rt: LayerRuntime | null): void {
    this.runtime.set((s) => {
      const next = { ...s };
      if (rt) next[layerId] = rt;
      else delete next[layerId];
      return next;
    });
  }

  notify(text: string, level: 'info' | 'error' = 'info', hint?: string): void {
    this.setUi({ notice: { level, text, hint } });
  }

  /** Reports an error that has no panel of its own (menu actions, shortcuts) in the notice bar. */
  reportError(e: unknown, context?: string): void {
    const text = isSatError(e) ? e.message : e instanceof Error ? e.message : String(e);
    const hint = isSatError(e) ? e.hint : undefined;
    this.notify(context ? `${context}: ${text}` : text, 'error', hint);
  }

  /** Asks the user for a file: the native dialog on the desktop, the in-app browser in web mode. */
  async chooseFile(request: FileDialogRequest): Promise<string | null> {
    if (this.desktop) {
      const filters = fileFilters(request.kinds);
      if (request.mode === 'save') return this.desktop.showSaveDialog({ title: request.title, filters, defaultPath: request.suggestedName ?? null });
      const paths = await this.desktop.showOpenDialog({ title: request.title, filters, multiple: false, directory: false });
      return paths?.[0] ?? null;
    }
    return new Promise((resolve) => this.setUi({ dialog: { kind: 'file', request, resolve } }));
  }

  zoomTo(extent: readonly [number, number, number, number]): void {
    this.setUi((s) => ({ zoomRequest: { extent, seq: (s.zoomRequest?.seq ?? 0) + 1 } }));
  }
}

const filterTable: Record<string, FileFilter> = {
  raster: { name: 'Rasters (GeoTIFF, PNG, JPEG)', extensions: ['tif', 'tiff', 'png', 'jpg', 'jpeg'] },
  vector: { name: 'Vectors (GeoJSON, Shapefile, GeoPackage)', extensions: ['geojson', 'json', 'shp', 'gpkg'] },
  project: { name: 'SatDiFuser projects', extensions: ['sdfproj'] },
  head: { name: 'SatDiFuser heads (weights with their card)', extensions: ['safetensors', 'json'] },
};

export function fileFilters(kinds: readonly string[]): FileFilter[] {
  return [...kinds.flatMap((k) => (filterTable[k] ? [filterTable[k]!] : [])), { name: 'All files', extensions: ['*'] }];
}
