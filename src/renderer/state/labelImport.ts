// Turning a vector dataset into label polygons: the values of one attribute become classes (matched to existing
// classes by name, case-insensitively; new values become new classes). Only polygons can be labels.
import type { ClassInfo, GeoJsonFeature, LabelFeature } from '../../shared/contract';
import type { PolygonGeometry } from '../../shared/geometry';
import { nextClassColor, nextClassId } from './project';

export interface LabelImportPlan {
  readonly labels: LabelFeature[];
  readonly newClasses: ClassInfo[];
  readonly skipped: number;
}

export function distinctValues(features: readonly GeoJsonFeature[], field: string): string[] {
  const set = new Set<string>();
  for (const f of features) {
    const v = f.properties?.[field];
    if (v !== undefined && v !== null && String(v).trim() !== '') set.add(String(v).trim());
  }
  return [...set].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
}

function asPolygon(g: GeoJsonFeature['geometry']): PolygonGeometry | null {
  if (!g) return null;
  if (g.type === 'Polygon' || g.type === 'MultiPolygon') return g as unknown as PolygonGeometry;
  return null;
}

/** `field` null: every polygon goes to `fallbackClassId`. */
export function planLabelImport(features: readonly GeoJsonFeature[], field: string | null, existing: readonly ClassInfo[], fallbackClassId: number): LabelImportPlan {
  const classes = [...existing];
  const newClasses: ClassInfo[] = [];
  const byName = new Map(existing.map((c) => [c.name.toLowerCase(), c.id]));
  const labels: LabelFeature[] = [];
  let skipped = 0;
  for (const f of features) {
    const geometry = asPolygon(f.geometry);
    if (!geometry) {
      skipped++;
      continue;
    }
    let classId = fallbackClassId;
    if (field) {
      const raw = f.properties?.[field];
      if (raw === undefined || raw === null || String(raw).trim() === '') {
        skipped++;
        continue;
      }
      const name = String(raw).trim();
      const known = byName.get(name.toLowerCase());
      if (known !== undefined) classId = known;
      else {
        const cls: ClassInfo = { id: nextClassId(classes), name, color: nextClassColor(classes) };
        classes.push(cls);
        newClasses.push(cls);
        byName.set(name.toLowerCase(), cls.id);
        classId = cls.id;
      }
    }
    labels.push({ id: crypto.randomUUID(), classId, geometry });
  }
  return { labels, newClasses, skipped };
}

/** Polygons and planar area per class, for the class list. */
export function labelCounts(labels: readonly LabelFeature[]): Map<number, { count: number; area: number }> {
  const out = new Map<number, { count: number; area: number }>();
  const ring = (r: readonly (readonly [number, number])[]) => {
    let a = 0;
    for (let i = 0, j = r.length - 1; i < r.length; j = i++) a += (r[j]![0] - r[i]![0]) * (r[j]![1] + r[i]![1]);
    return Math.abs(a / 2);
  };
  for (const l of labels) {
    const polys = l.geometry.type === 'Polygon' ? [l.geometry.coordinates] : l.geometry.coordinates;
    let area = 0;
    for (const p of polys) p.forEach((r, i) => (area += (i === 0 ? 1 : -1) * ring(r)));
    const e = out.get(l.classId) ?? { count: 0, area: 0 };
    out.set(l.classId, { count: e.count + 1, area: e.area + area });
  }
  return out;
}
