// The project as the renderer edits it: the saved document's content (layers, classes, labels, area, analysis
// settings). Every change goes through a registered action (actions.ts) so it can be undone.
import type { AnalysisSettings, Aoi, ClassInfo, CrsRef, LabelFeature, ProjectDocument, ProjectLayer } from '../../shared/contract';

export interface ProjectContent {
  readonly name: string;
  readonly crs: CrsRef | null;
  readonly layers: readonly ProjectLayer[];
  readonly classes: readonly ClassInfo[];
  readonly labels: readonly LabelFeature[];
  readonly aoi: Aoi | null;
  readonly analysis: AnalysisSettings;
}

export const DEFAULT_CLASSES: readonly ClassInfo[] = [
  { id: 0, name: 'Background', color: [120, 120, 120] },
  { id: 1, name: 'Vegetation', color: [56, 168, 0] },
  { id: 2, name: 'Water', color: [0, 112, 255] },
  { id: 3, name: 'Built-up', color: [230, 0, 0] },
];

export function emptyProject(name = 'Untitled'): ProjectContent {
  return {
    name,
    crs: null,
    layers: [],
    classes: DEFAULT_CLASSES,
    labels: [],
    aoi: null,
    analysis: { backboneId: null, headId: null, fusion: 'gw', tileSize: 256, overlap: 32 },
  };
}

export function toDocument(p: ProjectContent, view: ProjectDocument['view']): ProjectDocument {
  return {
    format: 'satdifuser-project',
    version: 1,
    name: p.name,
    crs: p.crs,
    view,
    layers: p.layers,
    classes: p.classes,
    labels: p.crs ? { crs: p.crs, features: p.labels } : p.labels.length ? { crs: 'EPSG:4326', features: p.labels } : null,
    aoi: p.aoi,
    analysis: p.analysis,
  };
}

export function fromDocument(d: ProjectDocument): ProjectContent {
  return {
    name: d.name,
    crs: d.crs,
    layers: d.layers,
    classes: d.classes,
    labels: d.labels?.features ?? [],
    aoi: d.aoi,
    analysis: d.analysis,
  };
}

export const hex = (c: readonly [number, number, number]) => '#' + c.map((v) => Math.round(v).toString(16).padStart(2, '0')).join('');

export function parseHex(h: string): [number, number, number] {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(h.trim());
  if (!m) throw new Error(`"${h}" is not a #rrggbb colour`);
  return [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)];
}

/** A colour for a new class that is far from the ones in use (golden-angle hue steps). */
export function nextClassColor(existing: readonly ClassInfo[]): [number, number, number] {
  const h = ((existing.length * 137.508) % 360) / 360;
  const f = (n: number) => {
    const k = (n + h * 12) % 12;
    return Math.round(255 * (0.55 - 0.45 * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

export function nextClassId(existing: readonly ClassInfo[]): number {
  for (let id = 0; id < 255; id++) if (!existing.some((c) => c.id === id)) return id;
  throw new Error('All 255 class ids are in use.');
}
