// Every edit of a project, as a registered action. Components never change project content directly: they call
// `app.perform(actions.x, payload)`, which records it for undo/redo and marks the project dirty.
import type { AnalysisSettings, Aoi, ClassInfo, LabelFeature, ProjectLayer, RasterStyle } from '../../shared/contract';
import type { PolygonGeometry } from '../../shared/geometry';
import type { Action } from './history';
import type { ProjectContent } from './project';

const mapLayer = (c: ProjectContent, id: string, f: (l: ProjectLayer) => ProjectLayer): ProjectContent => {
  let changed = false;
  const layers = c.layers.map((l) => {
    if (l.id !== id) return l;
    const n = f(l);
    if (n !== l) changed = true;
    return n;
  });
  return changed ? { ...c, layers } : c;
};

export const addLayer: Action<{ layer: ProjectLayer; crs?: string }> = {
  id: 'layer.add',
  label: (p) => `Add layer "${p.layer.name}"`,
  apply: (c, { layer, crs }) => ({ ...c, crs: c.crs ?? crs ?? null, layers: [...c.layers, layer] }),
};

export const removeLayer: Action<{ id: string }> = {
  id: 'layer.remove',
  label: 'Remove layer',
  apply: (c, { id }) => (c.layers.some((l) => l.id === id) ? { ...c, layers: c.layers.filter((l) => l.id !== id) } : c),
};

export const setLayerVisibility: Action<{ id: string; visible: boolean }> = {
  id: 'layer.visibility',
  label: (p) => (p.visible ? 'Show layer' : 'Hide layer'),
  apply: (c, { id, visible }) => mapLayer(c, id, (l) => (l.visible === visible ? l : { ...l, visible })),
};

export const setLayerOpacity: Action<{ id: string; opacity: number }> = {
  id: 'layer.opacity',
  label: 'Change layer opacity',
  apply: (c, { id, opacity }) => mapLayer(c, id, (l) => (l.opacity === opacity ? l : { ...l, opacity: Math.max(0, Math.min(1, opacity)) })),
};

export const renameLayer: Action<{ id: string; name: string }> = {
  id: 'layer.rename',
  label: 'Rename layer',
  apply: (c, { id, name }) => mapLayer(c, id, (l) => (l.name === name || !name.trim() ? l : { ...l, name: name.trim() })),
};

/** Moves a layer up (towards the top of the drawing order) or down by `delta` places. */
export const moveLayer: Action<{ id: string; delta: number }> = {
  id: 'layer.move',
  label: (p) => (p.delta > 0 ? 'Move layer up' : 'Move layer down'),
  apply: (c, { id, delta }) => {
    const i = c.layers.findIndex((l) => l.id === id);
    const j = Math.max(0, Math.min(c.layers.length - 1, i + delta));
    if (i < 0 || i === j) return c;
    const layers = [...c.layers];
    const [l] = layers.splice(i, 1);
    layers.splice(j, 0, l!);
    return { ...c, layers };
  },
};

export const setRasterStyle: Action<{ id: string; style: RasterStyle }> = {
  id: 'layer.style',
  label: 'Change layer style',
  apply: (c, { id, style }) => mapLayer(c, id, (l) => (l.kind === 'raster' ? { ...l, style } : l)),
};

export const setVectorStyle: Action<{ id: string; stroke: string; fill: string; strokeWidth: number }> = {
  id: 'layer.vectorStyle',
  label: 'Change layer style',
  apply: (c, { id, stroke, fill, strokeWidth }) => mapLayer(c, id, (l) => (l.kind === 'vector' ? { ...l, stroke, fill, strokeWidth } : l)),
};

export const setAoi: Action<{ aoi: Aoi | null }> = {
  id: 'aoi.set',
  label: (p) => (p.aoi ? 'Draw area' : 'Clear area'),
  apply: (c, { aoi }) => (c.aoi === aoi ? c : { ...c, aoi }),
};

export const addClass: Action<{ cls: ClassInfo }> = {
  id: 'class.add',
  label: (p) => `Add class "${p.cls.name}"`,
  apply: (c, { cls }) => (c.classes.some((k) => k.id === cls.id) ? c : { ...c, classes: [...c.classes, cls] }),
};

export const renameClass: Action<{ id: number; name: string }> = {
  id: 'class.rename',
  label: 'Rename class',
  apply: (c, { id, name }) => {
    const n = name.trim();
    if (!n || !c.classes.some((k) => k.id === id && k.name !== n)) return c;
    return { ...c, classes: c.classes.map((k) => (k.id === id ? { ...k, name: n } : k)) };
  },
};

export const recolorClass: Action<{ id: number; color: [number, number, number] }> = {
  id: 'class.recolor',
  label: 'Change class colour',
  apply: (c, { id, color }) => ({ ...c, classes: c.classes.map((k) => (k.id === id ? { ...k, color } : k)) }),
};

/** Removes a class and its label polygons (one undo step restores both). */
export const removeClass: Action<{ id: number }> = {
  id: 'class.remove',
  label: 'Delete class',
  apply: (c, { id }) => (c.classes.some((k) => k.id === id)
    ? { ...c, classes: c.classes.filter((k) => k.id !== id), labels: c.labels.filter((l) => l.classId !== id) }
    : c),
};

export const addLabels: Action<{ labels: readonly LabelFeature[]; classes?: readonly ClassInfo[] }> = {
  id: 'label.add',
  label: (p) => (p.labels.length === 1 ? 'Draw label polygon' : `Import ${p.labels.length} labels`),
  apply: (c, { labels, classes }) => {
    if (labels.length === 0) return c;
    const newClasses = (classes ?? []).filter((k) => !c.classes.some((e) => e.id === k.id));
    return { ...c, classes: [...c.classes, ...newClasses], labels: [...c.labels, ...labels] };
  },
};

export const editLabelGeometry: Action<{ id: string; geometry: PolygonGeometry }> = {
  id: 'label.edit',
  label: 'Edit label polygon',
  apply: (c, { id, geometry }) => (c.labels.some((l) => l.id === id)
    ? { ...c, labels: c.labels.map((l) => (l.id === id ? { ...l, geometry } : l)) }
    : c),
};

export const setLabelClass: Action<{ ids: readonly string[]; classId: number }> = {
  id: 'label.class',
  label: 'Change label class',
  apply: (c, { ids, classId }) => {
    if (!c.classes.some((k) => k.id === classId) || !c.labels.some((l) => ids.includes(l.id) && l.classId !== classId)) return c;
    return { ...c, labels: c.labels.map((l) => (ids.includes(l.id) ? { ...l, classId } : l)) };
  },
};

export const deleteLabels: Action<{ ids: readonly string[] }> = {
  id: 'label.delete',
  label: (p) => (p.ids.length === 1 ? 'Delete label' : `Delete ${p.ids.length} labels`),
  apply: (c, { ids }) => {
    const labels = c.labels.filter((l) => !ids.includes(l.id));
    return labels.length === c.labels.length ? c : { ...c, labels };
  },
};

export const setAnalysis: Action<Partial<AnalysisSettings>> = {
  id: 'analysis.set',
  label: 'Change analysis settings',
  apply: (c, patch) => {
    const next = { ...c.analysis, ...patch };
    return (Object.keys(patch) as (keyof AnalysisSettings)[]).every((k) => c.analysis[k] === next[k]) ? c : { ...c, analysis: next };
  },
};

export const renameProject: Action<{ name: string }> = {
  id: 'project.rename',
  label: 'Rename project',
  apply: (c, { name }) => (name.trim() && name !== c.name ? { ...c, name: name.trim() } : c),
};
