// The project's label polygons as a GeoJSON file the heads engine reads (`class_id` attribute): in their own
// CRS when it is an EPSG code (legacy `crs` member, which the reader and GDAL honour), else reprojected to WGS 84.
import { writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isPixelCrs, type LabelSet } from '../../shared/contract';
import type { PolygonGeometry } from '../../shared/geometry';
import { transformer } from './crsRef';

function mapGeometry(g: PolygonGeometry, f: (xy: readonly [number, number]) => [number, number]): PolygonGeometry {
  return g.type === 'Polygon'
    ? { type: 'Polygon', coordinates: g.coordinates.map((r) => r.map(f)) }
    : { type: 'MultiPolygon', coordinates: g.coordinates.map((p) => p.map((r) => r.map(f))) };
}

// Pixel coordinates (a raster without georeferencing) are written as they are: the heads engine applies polygon
// coordinates as column/row on such rasters and never reprojects them.
export async function writeLabelsGeoJson(path: string, labels: LabelSet): Promise<void> {
  const epsg = /^EPSG:(\d+)$/i.exec(labels.crs.trim());
  const toWgs84 = epsg || isPixelCrs(labels.crs) ? null : transformer(labels.crs, 'EPSG:4326');
  const doc = {
    type: 'FeatureCollection',
    ...(epsg ? { crs: { type: 'name', properties: { name: `urn:ogc:def:crs:EPSG::${epsg[1]}` } } } : {}),
    features: labels.features.map((l) => ({
      type: 'Feature',
      properties: { class_id: l.classId, label_id: l.id },
      geometry: toWgs84 ? mapGeometry(l.geometry, toWgs84) : l.geometry,
    })),
  };
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, JSON.stringify(doc));
}
