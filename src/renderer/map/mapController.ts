// Owns the OpenLayers map and keeps it in step with the app model: the view's projection follows the project
// CRS, OL layers are reconciled with the project's layers (same order, opacity, visibility, style), overlays and
// the active tool follow the model. React components never touch OpenLayers objects directly.
import OlMap from 'ol/Map';
import View from 'ol/View';
import { defaults as defaultControls, ScaleLine } from 'ol/control';
import { get as getProjection } from 'ol/proj';
import { unByKey } from 'ol/Observable';
import type { ProjectLayer } from '../../shared/contract';
import type { AppModel } from '../state/appModel';
import { mapCrsCode, mapFrame } from '../state/layerOps';
import { buildRasterLayer, buildVectorLayer, rasterKey, type BuiltLayer } from './layerFactory';
import { AoiOverlay, LabelOverlay } from './overlays';
import { toLonLatSafe } from './projection';
import { installTool } from './tools';
import type { ToolId } from '../state/ui';

export class MapController {
  readonly map: OlMap;
  private readonly built = new Map<string, BuiltLayer>();
  private readonly labels = new LabelOverlay();
  private readonly aoi = new AoiOverlay();
  private viewCode = 'EPSG:3857';
  private tool: ToolId | null = null;
  private removeTool: () => void = () => undefined;
  private zoomSeq = 0;
  private readonly unsubscribe: (() => void)[] = [];
  private rafPending = false;
  private lastPointer: [number, number] | null = null;

  constructor(target: HTMLElement, private readonly model: AppModel) {
    this.map = new OlMap({
      target,
      controls: defaultControls({ attribution: false, rotate: false }).extend([new ScaleLine({ units: 'metric', bar: false })]),
      layers: [this.labels.layer, this.aoi.layer],
      view: new View({ projection: this.viewCode, center: [0, 0], zoom: 2 }),
    });
    model.viewState = () => {
      const v = this.map.getView();
      const c = v.getCenter();
      const r = v.getResolution();
      return c && r ? { center: [c[0]!, c[1]!], resolution: r, rotation: v.getRotation() } : null;
    };
    const sync = () => this.sync();
    this.unsubscribe.push(model.project.subscribe(sync), model.runtime.subscribe(sync), model.ui.subscribe(sync));
    const k1 = this.map.on('pointermove', (e) => this.pointer([e.coordinate[0]!, e.coordinate[1]!]));
    const k2 = this.map.on('moveend', () => this.model.cursor.set((s) => ({ ...s, resolution: this.map.getView().getResolution() ?? null })));
    const out = () => this.model.cursor.set((s) => ({ ...s, map: null, lonLat: null }));
    const viewport = this.map.getViewport()!;
    viewport.addEventListener('mouseleave', out);
    this.unsubscribe.push(() => unByKey([k1, k2]), () => viewport.removeEventListener('mouseleave', out));
    this.sync();
  }

  get projectionCode(): string {
    return this.viewCode;
  }

  private pointer(xy: [number, number]): void {
    this.lastPointer = xy;
    if (this.rafPending) return;
    this.rafPending = true;
    requestAnimationFrame(() => {
      this.rafPending = false;
      const p = this.lastPointer;
      if (!p) return;
      const frame = mapFrame(this.model);
      // The status bar shows the project's CRS: column/row (y down) on a pixel grid, which has no lon/lat.
      this.model.cursor.set((s) => ({ ...s, map: frame.fromMap(p), lonLat: frame.pixel ? null : toLonLatSafe(p, this.viewCode) }));
    });
  }

  private ensureView(): void {
    const code = mapCrsCode(this.model) ?? 'EPSG:3857';
    if (code === this.viewCode || !getProjection(code)) return;
    // Layers built for the previous view projection (a pixel grid's, or none) are built again for this one.
    for (const b of this.built.values()) {
      this.map.removeLayer(b.layer);
      b.layer.dispose();
    }
    this.built.clear();
    this.viewCode = code;
    this.map.getTargetElement()?.setAttribute('data-crs', code.startsWith('PIXEL:') ? 'pixel' : 'map');
    const view = new View({ projection: code, center: [0, 0], zoom: 2, constrainResolution: false });
    this.map.setView(view);
    this.model.cursor.set((s) => ({ ...s, resolution: view.getResolution() ?? null }));
  }

  private syncLayers(layers: readonly ProjectLayer[]): void {
    const runtime = this.model.runtime.get();
    const wanted = new Set<string>();
    layers.forEach((spec, index) => {
      const rt = runtime[spec.id];
      if (!rt || rt.status !== 'ready') return;
      const existing = this.built.get(spec.id);
      // A hidden layer is built the first time it is shown: results add several layers at once, and building a
      // WebGL layer (source, shaders, first tiles) is the costly part of showing one.
      if (!existing && !spec.visible) return;
      let next: BuiltLayer | null = null;
      try {
        if (spec.kind === 'vector') {
          if (!rt.vector) return;
          if (!existing || existing.key !== `vector:${rt.vector.path}:${rt.vector.crs}`) next = buildVectorLayer(spec, rt.vector, this.viewCode, mapFrame(this.model));
        } else {
          if (!rt.raster) return;
          if (!existing || existing.key !== rasterKey(spec, rt.raster.rasterId)) {
            next = buildRasterLayer(spec, rt.raster, this.model.client.rasterUrl(rt.raster.rasterId), this.viewCode);
          }
        }
      } catch (e) {
        this.model.setRuntime(spec.id, { ...rt, status: 'error', error: e as Error });
        return;
      }
      if (next) {
        if (existing) this.map.removeLayer(existing.layer);
        this.map.addLayer(next.layer);
        this.built.set(spec.id, next);
      }
      const b = this.built.get(spec.id)!;
      b.restyle(spec);
      b.layer.setZIndex(index);
      wanted.add(spec.id);
    });
    for (const [id, b] of this.built) {
      if (!wanted.has(id)) {
        this.map.removeLayer(b.layer);
        b.layer.dispose();
        this.built.delete(id);
      }
    }
  }

  private syncTool(tool: ToolId): void {
    if (tool === this.tool) return;
    // Swap first: removing the old tool updates the model, which calls sync() again.
    const remove = this.removeTool;
    this.tool = tool;
    this.removeTool = () => undefined;
    remove();
    this.removeTool = installTool(tool, {
      map: this.map,
      model: this.model,
      labels: this.labels,
      mapCode: () => this.viewCode,
      frame: () => mapFrame(this.model),
      crsRef: () => this.model.project.get().content.crs ?? this.viewCode,
    });
    this.map.getTargetElement()?.setAttribute('data-tool', tool);
  }

  private syncing = false;
  private resync = false;

  /** Re-entrant calls (a tool updating the model while the map syncs) run once more after the current pass. */
  private sync(): void {
    if (this.syncing) {
      this.resync = true;
      return;
    }
    this.syncing = true;
    try {
      do {
        this.resync = false;
        this.syncOnce();
      } while (this.resync);
    } finally {
      this.syncing = false;
    }
  }

  private syncOnce(): void {
    const { content } = this.model.project.get();
    const ui = this.model.ui.get();
    this.ensureView();
    this.syncLayers(content.layers);
    const frame = mapFrame(this.model);
    this.labels.sync(content.labels, content.classes, ui.selectedLabelIds, frame);
    this.aoi.sync(content.aoi, frame);
    this.syncTool(ui.tool);
    if (this.model.pendingView && content.crs && this.viewCode !== 'EPSG:3857') {
      const v = this.model.pendingView;
      this.model.pendingView = null;
      this.map.getView().setCenter([v.center[0], v.center[1]]);
      this.map.getView().setResolution(v.resolution);
    }
    if (ui.zoomRequest && ui.zoomRequest.seq !== this.zoomSeq) {
      this.zoomSeq = ui.zoomRequest.seq;
      const [a, b, c, d] = ui.zoomRequest.extent;
      if ([a, b, c, d].every(Number.isFinite)) this.map.getView().fit([a, b, c, d], { padding: [24, 24, 24, 24], duration: 0 });
    }
  }

  zoomBy(delta: number): void {
    const view = this.map.getView();
    view.animate({ zoom: (view.getZoom() ?? 0) + delta, duration: 150 });
  }

  dispose(): void {
    this.removeTool();
    this.unsubscribe.forEach((u) => u());
    this.map.setTarget(undefined);
    this.model.viewState = () => null;
  }
}
