// Checks a project document (from the UI or from disk) and converts layer paths between absolute (in memory)
// and relative to the project file (on disk, as QGIS does by default, so a project folder can be moved).
import { isAbsolute, relative, resolve, dirname, sep } from 'node:path';
import type { ProjectDocument, ProjectLayer } from '../../shared/contract';
import { InvalidArgumentError } from '../../shared/errors';

const layerKinds = new Set(['raster', 'vector', 'mask', 'probability', 'disagreement']);

function fail(what: string): never {
  throw new InvalidArgumentError(`The project is not valid: ${what}.`, 'If the file was edited by hand, restore a backup or fix the field named.');
}

function isRingList(v: unknown): boolean {
  return Array.isArray(v) && v.every((ring) => Array.isArray(ring) && ring.every((pt) => Array.isArray(pt) && pt.length >= 2 && pt.every((c) => typeof c === 'number' && Number.isFinite(c))));
}

export function isPolygonGeometry(g: unknown): boolean {
  if (!g || typeof g !== 'object') return false;
  const { type, coordinates } = g as { type?: unknown; coordinates?: unknown };
  if (type === 'Polygon') return isRingList(coordinates);
  if (type === 'MultiPolygon') return Array.isArray(coordinates) && coordinates.every(isRingList);
  return false;
}

export function checkProjectDocument(doc: unknown): ProjectDocument {
  if (!doc || typeof doc !== 'object') fail('it is not a JSON object');
  const d = doc as Record<string, unknown>;
  if (d.format !== 'satdifuser-project') fail('"format" is not "satdifuser-project"');
  if (d.version !== 1) fail(`version ${String(d.version)} is not supported by this version of the app (expected 1)`);
  if (typeof d.name !== 'string') fail('"name" must be a string');
  if (d.crs !== null && typeof d.crs !== 'string') fail('"crs" must be a string or null');
  if (!Array.isArray(d.layers)) fail('"layers" must be a list');
  (d.layers as unknown[]).forEach((l, i) => {
    const layer = l as Record<string, unknown>;
    if (!layer || typeof layer !== 'object' || !layerKinds.has(String(layer.kind))) fail(`layer ${i + 1} has an unknown kind`);
    if (typeof layer.id !== 'string' || typeof layer.name !== 'string' || typeof layer.path !== 'string') fail(`layer ${i + 1} needs an id, a name and a path`);
    if (typeof layer.opacity !== 'number' || layer.opacity < 0 || layer.opacity > 1) fail(`layer "${layer.name}" has an opacity outside 0–1`);
  });
  if (!Array.isArray(d.classes)) fail('"classes" must be a list');
  const ids = new Set<number>();
  for (const c of d.classes as Record<string, unknown>[]) {
    if (!c || typeof c.id !== 'number' || !Number.isInteger(c.id) || c.id < 0 || c.id > 254) fail('every class needs a whole-number id between 0 and 254');
    if (ids.has(c.id as number)) fail(`class id ${String(c.id)} is used twice`);
    ids.add(c.id as number);
    if (typeof c.name !== 'string') fail(`class ${String(c.id)} needs a name`);
    if (!Array.isArray(c.color) || c.color.length !== 3 || c.color.some((v) => typeof v !== 'number' || v < 0 || v > 255)) fail(`class "${String(c.name)}" needs a colour [r, g, b] with values 0–255`);
  }
  if (d.labels !== null) {
    const labels = d.labels as Record<string, unknown>;
    if (!labels || typeof labels.crs !== 'string' || !Array.isArray(labels.features)) fail('"labels" must be null or { crs, features }');
    (labels.features as Record<string, unknown>[]).forEach((f, i) => {
      if (typeof f?.id !== 'string' || typeof f.classId !== 'number' || !ids.has(f.classId)) fail(`label ${i + 1} refers to a class that does not exist`);
      if (!isPolygonGeometry(f.geometry)) fail(`label ${i + 1} is not a polygon`);
    });
  }
  if (d.aoi !== null) {
    const aoi = d.aoi as Record<string, unknown>;
    if (!aoi || typeof aoi.crs !== 'string' || !isPolygonGeometry(aoi.geometry)) fail('"aoi" must be null or { crs, geometry: Polygon }');
  }
  if (!d.analysis || typeof d.analysis !== 'object') fail('"analysis" settings are missing');
  return doc as ProjectDocument;
}

function mapLayerPaths(doc: ProjectDocument, f: (p: string) => string): ProjectDocument {
  return { ...doc, layers: doc.layers.map((l) => ({ ...l, path: f(l.path) }) as ProjectLayer) };
}

/** Paths inside the project's folder tree (or beside it) become relative; others stay absolute. */
export function toStoredPaths(doc: ProjectDocument, projectPath: string): ProjectDocument {
  const base = dirname(projectPath);
  return mapLayerPaths(doc, (p) => {
    if (!isAbsolute(p)) return p;
    const rel = relative(base, p);
    // Different drive (Windows) or an absolute result: keep the absolute path.
    if (isAbsolute(rel) || rel.split(sep).filter((s) => s === '..').length > 2) return p;
    return rel.split(sep).join('/');
  });
}

export function toAbsolutePaths(doc: ProjectDocument, projectPath: string): ProjectDocument {
  const base = dirname(projectPath);
  return mapLayerPaths(doc, (p) => (isAbsolute(p) ? p : resolve(base, p)));
}
