// The `--dataset <manifest.json>` format: a JSON array, one entry per raster.
//   segmentation:   {"raster": "a.tif", "labels": "a_labels.png"}   labels = label raster (class ids on the raster's
//                   grid, 255 = ignore) or a polygon file (.geojson/.json/.shp/.zip/.gpkg) with a class attribute
//   classification: {"raster": "a.jpg", "class": 3, "window": [x, y, width, height]}   (window optional: whole raster)
// Relative paths are resolved from the manifest's folder. Class names and colours may sit beside the manifest in
// classes.json: [{"id": 0, "name": "Building", "color": "#3C1098"}, …]. A folder instead of a manifest is read as
// image-level labels, one subfolder per class.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { FileNotFoundError, InvalidArgumentError } from '../../../shared/errors';
import type { PixelWindow } from '../../../shared/geometry';

export interface ClassDef {
  readonly id: number;
  readonly name: string;
  /** #RRGGBB */
  readonly color: string;
}

export interface SegSample {
  readonly raster: string;
  readonly labels: string;
}

export interface ClsSample {
  readonly raster: string;
  readonly classId: number;
  readonly window?: PixelWindow;
}

export type Dataset =
  | { readonly task: 'seg'; readonly samples: readonly SegSample[]; readonly classes: readonly ClassDef[] | null; readonly source: string }
  | { readonly task: 'cls'; readonly samples: readonly ClsSample[]; readonly classes: readonly ClassDef[] | null; readonly source: string };

const bad = (path: string, what: string) =>
  new InvalidArgumentError(`The dataset manifest "${path}" is not valid: ${what}.`, 'A manifest is a JSON array of {"raster": path, "labels": path} (segmentation) or {"raster": path, "class": id, "window": [x, y, w, h]} (classification).', { path });

export function readManifest(path: string): Dataset {
  if (!existsSync(path)) throw new FileNotFoundError(path, 'dataset manifest');
  if (statSync(path).isDirectory()) return readClassFolders(path);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw bad(path, `it is not JSON (${(e as Error).message})`);
  }
  return parseManifest(json, path);
}

export function parseManifest(json: unknown, path: string): Dataset {
  if (!Array.isArray(json)) throw bad(path, 'the top level is not an array');
  if (json.length === 0) throw bad(path, 'it lists no samples');
  const base = dirname(resolve(path));
  const abs = (p: unknown, i: number, field: string): string => {
    if (typeof p !== 'string' || p.length === 0) throw bad(path, `entry ${i} has no "${field}" path`);
    return isAbsolute(p) ? p : join(base, p);
  };
  const isCls = json.some((e) => e && typeof e === 'object' && 'class' in e);
  const classes = readClasses(base);
  if (!isCls) {
    const samples = json.map((e, i): SegSample => {
      if (!e || typeof e !== 'object') throw bad(path, `entry ${i} is not an object`);
      return { raster: abs((e as any).raster, i, 'raster'), labels: abs((e as any).labels, i, 'labels') };
    });
    return { task: 'seg', samples, classes, source: resolve(path) };
  }
  const samples = json.map((e, i): ClsSample => {
    if (!e || typeof e !== 'object') throw bad(path, `entry ${i} is not an object`);
    const c = (e as any).class;
    if (!Number.isInteger(c) || c < 0 || c > 254) throw bad(path, `entry ${i} has class ${JSON.stringify(c)}, not an id in 0…254`);
    const w = (e as any).window;
    let window: PixelWindow | undefined;
    if (w !== undefined) {
      if (!Array.isArray(w) || w.length !== 4 || !w.every((v) => Number.isInteger(v)) || w[2] < 1 || w[3] < 1 || w[0] < 0 || w[1] < 0) {
        throw bad(path, `entry ${i} has window ${JSON.stringify(w)}, not [x, y, width, height] in whole pixels`);
      }
      window = { x: w[0], y: w[1], width: w[2], height: w[3] };
    }
    return { raster: abs((e as any).raster, i, 'raster'), classId: c, window };
  });
  return { task: 'cls', samples, classes, source: resolve(path) };
}

const IMAGE = /\.(tif|tiff|png|jpe?g)$/i;

/**
 * Image-level labels as a folder per class (`<root>/<class name>/<image>`), the layout of EuroSAT-style sets:
 * class ids follow the sorted folder names (or classes.json names when it lists them).
 */
export function readClassFolders(root: string): Dataset {
  const known = readClasses(root);
  const folders = readdirSync(root).filter((d) => statSync(join(root, d)).isDirectory()).sort();
  if (folders.length < 2) throw new InvalidArgumentError(`"${root}" has ${folders.length} class folder(s); a classification dataset needs one folder per class, at least two.`);
  const classes: ClassDef[] = [];
  const samples: ClsSample[] = [];
  let next = Math.max(-1, ...(known ?? []).map((c) => c.id)) + 1;
  for (const f of folders) {
    const def = known?.find((c) => c.name.toLowerCase() === f.toLowerCase()) ?? { id: next++, name: f, color: defaultColour(next - 1) };
    classes.push(def);
    for (const img of readdirSync(join(root, f)).filter((x) => IMAGE.test(x)).sort()) samples.push({ raster: join(root, f, img), classId: def.id });
  }
  if (samples.length === 0) throw new InvalidArgumentError(`The class folders of "${root}" contain no images (.tif, .png, .jpg).`);
  return { task: 'cls', samples, classes: classes.sort((a, b) => a.id - b.id), source: resolve(root) };
}

function readClasses(folder: string): ClassDef[] | null {
  const p = join(folder, 'classes.json');
  if (!existsSync(p)) return null;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(p, 'utf8'));
  } catch (e) {
    throw new InvalidArgumentError(`"${p}" is not JSON (${(e as Error).message}).`, 'classes.json is an array of {"id", "name", "color"}.');
  }
  return parseClasses(json, p);
}

export function parseClasses(json: unknown, where: string): ClassDef[] {
  if (!Array.isArray(json)) throw new InvalidArgumentError(`"${where}" is not an array of classes.`, 'classes.json is an array of {"id", "name", "color"}.');
  const seen = new Set<number>();
  return json.map((c: any, i) => {
    if (!c || !Number.isInteger(c.id) || c.id < 0 || c.id > 254 || seen.has(c.id)) throw new InvalidArgumentError(`Class ${i} in "${where}" has a missing, duplicate or out-of-range id (0…254).`);
    seen.add(c.id);
    const color = typeof c.color === 'string' && /^#[0-9a-fA-F]{6}$/.test(c.color) ? c.color.toUpperCase() : defaultColour(c.id);
    return { id: c.id, name: typeof c.name === 'string' && c.name ? c.name : `class ${c.id}`, color };
  });
}

// A fixed qualitative palette (ColorBrewer Set1/Dark2 mix) so a class keeps its colour across runs and heads.
const PALETTE = ['#E41A1C', '#377EB8', '#4DAF4A', '#984EA3', '#FF7F00', '#FFFF33', '#A65628', '#F781BF', '#1B9E77', '#D95F02', '#7570B3', '#E7298A'];
export const defaultColour = (id: number) => PALETTE[id % PALETTE.length]!;

/** Classes for ids 0…n-1, named from `known` where it has them. */
export function classesFor(numClasses: number, known: readonly ClassDef[] | null): ClassDef[] {
  return Array.from({ length: numClasses }, (_, id) => known?.find((c) => c.id === id) ?? { id, name: `class ${id}`, color: defaultColour(id) });
}
