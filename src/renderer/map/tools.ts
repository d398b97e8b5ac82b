// Map tools as OpenLayers interactions. Each tool installs its interactions and returns a function that removes
// them; results go back to the app model as registered actions (draw area, draw/edit labels) or UI state.
import type OlMap from 'ol/Map';
import type Interaction from 'ol/interaction/Interaction';
import Draw, { createBox } from 'ol/interaction/Draw';
import Modify from 'ol/interaction/Modify';
import Select from 'ol/interaction/Select';
import Snap from 'ol/interaction/Snap';
import VectorSource from 'ol/source/Vector';
import VectorLayer from 'ol/layer/Vector';
import { Fill, Stroke, Style } from 'ol/style';
import { getArea, getLength } from 'ol/sphere';
import type { Geometry, LineString, MultiPolygon, Polygon } from 'ol/geom';
import { unByKey } from 'ol/Observable';
import type { AppModel } from '../state/appModel';
import { addLabels, editLabelGeometry, setAoi } from '../state/actions';
import type { ToolId } from '../state/ui';
import { identifyAt } from '../state/identify';
import type { LabelOverlay } from './overlays';
import { polygonGeometry } from './overlays';
import type { MapFrame } from './pixelFrame';

export interface ToolContext {
  readonly map: OlMap;
  readonly model: AppModel;
  readonly labels: LabelOverlay;
  /** Code of the map projection (for CrsRefs and geodesic measures). */
  readonly mapCode: () => string;
  readonly crsRef: () => string;
  /** Converts between map coordinates and the project's CRS (pixel grids are mirrored). */
  readonly frame: () => MapFrame;
}

const sketchStyle = new Style({ stroke: new Stroke({ color: '#ffea00', width: 2, lineDash: [6, 4] }), fill: new Fill({ color: 'rgba(255,234,0,0.12)' }) });

function drawArea(ctx: ToolContext, box: boolean): () => void {
  // A rectangle is dragged out (press, drag, release), as in QGIS; a polygon is clicked vertex by vertex.
  const draw = new Draw({ type: box ? 'Circle' : 'Polygon', geometryFunction: box ? createBox() : undefined, freehand: box, style: sketchStyle, stopClick: true });
  draw.on('drawend', (e) => {
    const geom = e.feature.getGeometry() as Polygon;
    ctx.model.perform(setAoi, { aoi: { geometry: polygonGeometry(geom, ctx.frame()), crs: ctx.crsRef() } });
  });
  ctx.map.addInteraction(draw);
  return () => ctx.map.removeInteraction(draw);
}

function measure(ctx: ToolContext, kind: 'length' | 'area'): () => void {
  const source = new VectorSource();
  const layer = new VectorLayer({ source, style: sketchStyle, zIndex: 10_002 });
  ctx.map.addLayer(layer);
  const draw = new Draw({ source, type: kind === 'length' ? 'LineString' : 'Polygon', style: sketchStyle, stopClick: true });
  const report = (g: Geometry) => {
    const projection = ctx.map.getView().getProjection();
    if (ctx.frame().pixel) {
      // A pixel grid has no ground units: report pixels, and no ellipsoidal figure.
      const value = kind === 'length' ? (g as LineString).getLength() : (g as Polygon).getArea();
      ctx.model.setUi({ measure: { kind, value, geodesic: NaN, pixels: true } });
      return;
    }
    const mpu = projection.getMetersPerUnit() ?? 1;
    if (kind === 'length') {
      const planar = (g as LineString).getLength() * mpu;
      ctx.model.setUi({ measure: { kind, value: planar, geodesic: getLength(g, { projection }) } });
    } else {
      const planar = (g as Polygon).getArea() * mpu * mpu;
      ctx.model.setUi({ measure: { kind, value: planar, geodesic: getArea(g, { projection }) } });
    }
  };
  draw.on('drawstart', (e) => {
    source.clear();
    const geom = e.feature.getGeometry()!;
    const key = geom.on('change', () => report(geom));
    draw.once('drawend', () => unByKey(key));
  });
  draw.on('drawend', (e) => report(e.feature.getGeometry()!));
  ctx.map.addInteraction(draw);
  return () => {
    ctx.map.removeInteraction(draw);
    ctx.map.removeLayer(layer);
    ctx.model.setUi({ measure: null });
  };
}

function identify(ctx: ToolContext): () => void {
  const key = ctx.map.on('singleclick', (e) => {
    void identifyAt(ctx.model, ctx.frame().fromMap([e.coordinate[0]!, e.coordinate[1]!]), ctx.crsRef());
  });
  return () => unByKey(key);
}

function labelDraw(ctx: ToolContext): () => void {
  const draw = new Draw({ type: 'Polygon', style: sketchStyle, stopClick: true });
  const snap = new Snap({ source: ctx.labels.source });
  draw.on('drawend', (e) => {
    const geom = e.feature.getGeometry() as Polygon;
    const { activeClassId } = ctx.model.ui.get();
    const classes = ctx.model.project.get().content.classes;
    if (!classes.some((c) => c.id === activeClassId)) {
      ctx.model.notify('Choose a class in the Labels panel before drawing.', 'error');
      return;
    }
    ctx.model.perform(addLabels, { labels: [{ id: crypto.randomUUID(), classId: activeClassId, geometry: polygonGeometry(geom, ctx.frame()) }] });
  });
  ctx.map.addInteraction(draw);
  ctx.map.addInteraction(snap);
  return () => {
    ctx.map.removeInteraction(draw);
    ctx.map.removeInteraction(snap);
  };
}

function labelEdit(ctx: ToolContext): () => void {
  const select = new Select({ layers: [ctx.labels.layer], style: null, multi: false, hitTolerance: 3 });
  const modify = new Modify({ features: select.getFeatures() });
  const snap = new Snap({ source: ctx.labels.source });
  select.on('select', () => {
    ctx.model.setUi({ selectedLabelIds: select.getFeatures().getArray().map((f) => String(f.getId())) });
  });
  modify.on('modifyend', (e) => {
    for (const f of e.features.getArray()) {
      ctx.model.perform(editLabelGeometry, { id: String(f.getId()), geometry: polygonGeometry(f.getGeometry() as Polygon | MultiPolygon, ctx.frame()) });
    }
  });
  const interactions: Interaction[] = [select, modify, snap];
  interactions.forEach((i) => ctx.map.addInteraction(i));
  return () => {
    interactions.forEach((i) => ctx.map.removeInteraction(i));
    ctx.model.setUi({ selectedLabelIds: [] });
  };
}

export function installTool(tool: ToolId, ctx: ToolContext): () => void {
  switch (tool) {
    case 'aoiRect': return drawArea(ctx, true);
    case 'aoiPolygon': return drawArea(ctx, false);
    case 'identify': return identify(ctx);
    case 'measureLength': return measure(ctx, 'length');
    case 'measureArea': return measure(ctx, 'area');
    case 'labelDraw': return labelDraw(ctx);
    case 'labelEdit': return labelEdit(ctx);
    case 'pan': return () => undefined;
  }
}
