// The editable overlays drawn above all layers: label polygons in their class colours, the analysis area,
// and the measuring sketch.
import Feature from 'ol/Feature';
import Polygon from 'ol/geom/Polygon';
import MultiPolygon from 'ol/geom/MultiPolygon';
import VectorLayer from 'ol/layer/Vector';
import VectorSource from 'ol/source/Vector';
import { Fill, Stroke, Style, Text } from 'ol/style';
import type { Aoi, ClassInfo, LabelFeature } from '../../shared/contract';
import type { PolygonGeometry } from '../../shared/geometry';
import { geometryThrough, SAME_FRAME, type MapFrame } from './pixelFrame';

/** An OpenLayers geometry in map coordinates from a project geometry (in the project's CRS). */
export function olGeometry(project: PolygonGeometry, frame: MapFrame = SAME_FRAME): Polygon | MultiPolygon {
  const g = frame.pixel ? geometryThrough(project, frame.toMap) : project;
  return g.type === 'Polygon'
    ? new Polygon(g.coordinates.map((r) => r.map((p) => [p[0], p[1]])))
    : new MultiPolygon(g.coordinates.map((poly) => poly.map((r) => r.map((p) => [p[0], p[1]]))));
}

/** A project geometry (in the project's CRS) from an OpenLayers geometry in map coordinates. */
export function polygonGeometry(geom: Polygon | MultiPolygon, frame: MapFrame = SAME_FRAME): PolygonGeometry {
  const g: PolygonGeometry = geom instanceof MultiPolygon
    ? { type: 'MultiPolygon', coordinates: geom.getCoordinates().map((poly) => poly.map((r) => r.map((p) => [p[0]!, p[1]!] as const))) }
    : { type: 'Polygon', coordinates: geom.getCoordinates().map((r) => r.map((p) => [p[0]!, p[1]!] as const)) };
  return frame.pixel ? geometryThrough(g, frame.fromMap) : g;
}

const rgba = (c: readonly [number, number, number], a: number) => `rgba(${c[0]},${c[1]},${c[2]},${a})`;

export class LabelOverlay {
  readonly source = new VectorSource<Feature<Polygon | MultiPolygon>>();
  readonly layer: VectorLayer<VectorSource<Feature<Polygon | MultiPolygon>>>;
  private labels: readonly LabelFeature[] = [];
  private classes: readonly ClassInfo[] = [];
  private selected = new Set<string>();
  private frame: MapFrame = SAME_FRAME;

  constructor() {
    this.layer = new VectorLayer({ source: this.source, zIndex: 10_000, properties: { overlay: 'labels' }, style: (f) => this.style(f as Feature) });
  }

  private style(f: Feature): Style {
    const cls = this.classes.find((c) => c.id === f.get('classId'));
    const color = cls?.color ?? [255, 255, 255];
    const sel = this.selected.has(String(f.getId()));
    return new Style({
      fill: new Fill({ color: rgba(color, sel ? 0.55 : 0.35) }),
      stroke: new Stroke({ color: sel ? '#ffffff' : rgba(color, 1), width: sel ? 3 : 1.5 }),
    });
  }

  sync(labels: readonly LabelFeature[], classes: readonly ClassInfo[], selected: readonly string[], frame: MapFrame = SAME_FRAME): void {
    if (frame !== this.frame) {
      // The map coordinates of every label change with the frame (a pixel grid became known): draw them again.
      this.frame = frame;
      this.source.clear();
      this.labels = [];
    }
    const restyle = classes !== this.classes || selected.length !== this.selected.size || selected.some((id) => !this.selected.has(id));
    this.classes = classes;
    this.selected = new Set(selected);
    if (labels !== this.labels) {
      const byId = new Map(labels.map((l) => [l.id, l]));
      const prev = new Map(this.labels.map((l) => [l.id, l]));
      for (const f of [...this.source.getFeatures()]) {
        const id = String(f.getId());
        const next = byId.get(id);
        if (!next) this.source.removeFeature(f);
        else if (next !== prev.get(id)) {
          f.setGeometry(olGeometry(next.geometry, this.frame));
          f.set('classId', next.classId);
        }
      }
      for (const l of labels) {
        if (this.source.getFeatureById(l.id)) continue;
        const f = new Feature<Polygon | MultiPolygon>({ geometry: olGeometry(l.geometry, this.frame), classId: l.classId });
        f.setId(l.id);
        this.source.addFeature(f);
      }
      this.labels = labels;
    } else if (restyle) {
      this.source.changed();
    }
    if (restyle) this.layer.changed();
  }
}

export class AoiOverlay {
  readonly source = new VectorSource<Feature<Polygon | MultiPolygon>>();
  readonly layer = new VectorLayer({
    source: this.source,
    zIndex: 10_001,
    properties: { overlay: 'aoi' },
    style: [
      new Style({ stroke: new Stroke({ color: 'rgba(0,0,0,0.7)', width: 4 }) }),
      new Style({
        stroke: new Stroke({ color: '#00e5ff', width: 2, lineDash: [8, 6] }),
        fill: new Fill({ color: 'rgba(0,229,255,0.06)' }),
        text: new Text({ text: 'Analysis area', font: '600 12px system-ui, sans-serif', fill: new Fill({ color: '#00e5ff' }), stroke: new Stroke({ color: '#000', width: 3 }), overflow: true }),
      }),
    ],
  });
  private aoi: Aoi | null = null;
  private frame: MapFrame = SAME_FRAME;

  sync(aoi: Aoi | null, frame: MapFrame = SAME_FRAME): void {
    if (aoi === this.aoi && frame === this.frame) return;
    this.aoi = aoi;
    this.frame = frame;
    this.source.clear();
    if (aoi) this.source.addFeature(new Feature({ geometry: olGeometry(aoi.geometry, frame) }));
  }
}
