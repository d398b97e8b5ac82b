// Exports of a segmentation result: the class mask or the probabilities as the GeoTIFFs the job wrote (tiled,
// DEFLATE, colour table, class names, provenance), copied atomically; or polygons (polygonize with exact pixel
// edges, simplify, minimum area, attributes) written as GeoPackage, Shapefile or GeoJSON in the chosen CRS.
import { existsSync } from 'node:fs';
import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import { dirname, extname, join, basename } from 'node:path';
import type { ExportFormat, ExportPreview, ExportRequest, ExportResult, VectorExportOptions } from '../../shared/contract';
import { InvalidArgumentError, SatError, throwIfCancelled } from '../../shared/errors';
import type { CrsInfo } from '../../shared/geometry';
import { maskToFeatures } from '../export/vector/maskToFeatures';
import type { VectorFeature } from '../export/vector/features';
import { writeVector } from '../export/vector/writeVector';
import { parseCrs, sameCrs } from '../geo/crs';
import { transformPoints } from '../geo/reproject';
import { openRaster } from '../raster/open';
import type { JobContext } from './jobHub';
import { loadResult, type StoredResult } from './results';

const EXTENSIONS: Record<ExportFormat, string> = {
  'mask-geotiff': '.tif', 'probabilities-geotiff': '.tif', geopackage: '.gpkg', shapefile: '.shp', geojson: '.geojson',
};

/** The output path with the format's extension (added when missing; a wrong one is refused). */
export function exportPath(format: ExportFormat, path: string): string {
  const want = EXTENSIONS[format];
  const ext = extname(path).toLowerCase();
  if (!ext) return path + want;
  const ok = want === '.tif' ? ['.tif', '.tiff'].includes(ext) : want === '.geojson' ? ['.geojson', '.json'].includes(ext) : ext === want;
  if (!ok) throw new InvalidArgumentError(`"${basename(path)}" does not end in ${want}, the extension of the chosen format.`, `Name the file …${want}, or pick the format that matches.`);
  return path;
}

async function copyAtomic(from: string, to: string): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  const tmp = join(dirname(to), `.${basename(to)}.${process.pid}.tmp`);
  try {
    await copyFile(from, tmp);
    await rename(tmp, to);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new SatError('IO_ERROR', `"${to}" could not be written.`, { hint: 'Choose a folder you can write to, with free space.', cause: e });
  }
}

const crsRefOf = (crs: CrsInfo | null) => (crs ? (crs.epsg !== null ? `EPSG:${crs.epsg}` : crs.definition) : null);

function noCrsGeoJson(): InvalidArgumentError {
  return new InvalidArgumentError('GeoJSON is always WGS 84 longitude/latitude, and this result has no CRS (its source raster has no georeferencing).',
    'Export a GeoPackage or a Shapefile: they are written in pixel coordinates (column, row) with no CRS.');
}

async function polygons(r: StoredResult, o: VectorExportOptions, signal?: AbortSignal): Promise<{ features: VectorFeature[]; crs: CrsInfo | null }> {
  const src = await openRaster(r.maskPath, { signal });
  try {
    const info = src.info;
    const whole = { x: 0, y: 0, width: info.width, height: info.height };
    const mask = (await src.read({ window: whole, bands: [0], signal })).bands[0]!;
    let probability: Float32Array | undefined;
    if (r.probabilitiesPath) {
      const p = await openRaster(r.probabilitiesPath, { signal });
      try {
        const bands = (await p.read({ window: whole, signal })).bands;
        probability = new Float32Array(mask.length);
        const index = new Map(r.classes.map((c, i) => [c.id, i]));
        for (let i = 0; i < mask.length; i++) {
          const b = index.get(mask[i]!);
          probability[i] = b === undefined ? 0 : Number(bands[b]![i]) / 100;
        }
      } finally {
        await p.close();
      }
    }
    throwIfCancelled(signal, 'Export');
    const pixel = Math.abs(info.pixelSize[0]) || 1;
    let features = maskToFeatures(mask, {
      width: info.width, height: info.height, transform: info.transform, classes: r.classes,
      provenance: { source: r.source, model: r.model, head: r.headName }, probability, nodata: info.nodata ?? 255,
      simplifyPixels: o.simplifyTolerance / pixel, minArea: o.minArea, signal,
    });
    if (o.classIds) features = features.filter((f) => o.classIds!.includes(f.attributes.class_id));
    let crs = info.crs;
    if (o.crs && !info.crs) {
      throw new InvalidArgumentError(`The result has no CRS (its source raster has no georeferencing), so it cannot be exported in ${o.crs.slice(0, 40)}.`, 'Leave the output CRS empty: the file is then written in pixel coordinates (column, row) with no CRS.');
    }
    if (o.crs && info.crs) {
      const target = parseCrs(o.crs);
      if (!sameCrs(target, info.crs)) {
        const from = info.crs;
        features = features.map((f) => ({ ...f, rings: f.rings.map((ring) => transformPoints(from, target, ring)) }));
        crs = target;
      }
    }
    return { features, crs };
  } finally {
    await src.close();
  }
}

export async function previewExport(dataDir: string, r: Omit<ExportRequest, 'path'>): Promise<ExportPreview> {
  const res = loadResult(dataDir, r.resultId);
  if (r.format === 'mask-geotiff' || r.format === 'probabilities-geotiff') throw new InvalidArgumentError('A raster export has no features to count.', 'Choose a vector format to preview the feature count.');
  const { features, crs } = await polygons(res, r.vector);
  if (r.format === 'geojson' && !crs) throw noCrsGeoJson();
  const per = new Map<number, number>();
  for (const f of features) per.set(f.attributes.class_id, (per.get(f.attributes.class_id) ?? 0) + 1);
  return {
    featureCount: features.length,
    perClass: [...per].sort((a, b) => a[0] - b[0]).map(([classId, count]) => ({ classId, count })),
    crs: r.format === 'geojson' ? 'EPSG:4326' : crsRefOf(crs) ?? 'none',
  };
}

export async function runExport(dataDir: string, r: ExportRequest, ctx: JobContext): Promise<ExportResult> {
  const res = loadResult(dataDir, r.resultId);
  const path = exportPath(r.format, r.path);
  const started = performance.now();
  const step = (done: number, message: string) => ctx.progress({ phase: 'writing', done, total: 2, unit: 'steps', rate: 0, etaSeconds: null, elapsedSeconds: (performance.now() - started) / 1000, cacheHits: 0, message });
  if (r.format === 'mask-geotiff' || r.format === 'probabilities-geotiff') {
    const from = r.format === 'mask-geotiff' ? res.maskPath : res.probabilitiesPath;
    if (!from) throw new InvalidArgumentError('This result has no probabilities.', 'Run the segmentation again with probabilities on.');
    const src = await openRaster(from, { signal: ctx.signal });
    const crs = crsRefOf(src.info.crs);
    await src.close();
    await copyAtomic(from, path);
    return { files: [path], featureCount: null, crs };
  }
  step(0, 'polygonizing');
  const { features, crs } = await polygons(res, r.vector, ctx.signal);
  if (r.format === 'geojson' && !crs) throw noCrsGeoJson();
  step(1, `writing ${features.length} polygons`);
  const written = await writeVector(path, features, { crs, layer: 'segmentation', signal: ctx.signal });
  // A Shapefile without a CRS has no .prj.
  const files = r.format === 'shapefile' ? ['.shp', '.shx', '.dbf', '.prj', '.cpg'].map((e) => written.path.replace(/\.shp$/i, e)).filter((f) => existsSync(f)) : [written.path];
  step(2, 'done');
  return { files, featureCount: written.features, crs: r.format === 'geojson' ? 'EPSG:4326' : crsRefOf(crs) };
}
