// The vector export by file extension: .gpkg, .shp, .geojson/.json.
import { InvalidArgumentError } from '../../../shared/errors';
import type { CrsInfo } from '../../../shared/geometry';
import type { VectorFeature } from './features';
import { writeGeoJson } from './geojson';
import { writeGeoPackage } from './geopackage';
import { writeShapefile } from './shapefile';

export type VectorFormat = 'gpkg' | 'shp' | 'geojson';

export function vectorFormatOf(path: string): VectorFormat {
  const m = /\.(gpkg|shp|geojson|json)$/i.exec(path);
  if (!m) throw new InvalidArgumentError(`Cannot tell the vector format of "${path}".`, 'Use a path ending in .gpkg (GeoPackage), .shp (Shapefile) or .geojson (GeoJSON).');
  const ext = m[1].toLowerCase();
  return ext === 'json' ? 'geojson' : (ext as VectorFormat);
}

export async function writeVector(path: string, features: readonly VectorFeature[], o: { crs: CrsInfo | null; layer?: string; signal?: AbortSignal }): Promise<{ path: string; features: number }> {
  switch (vectorFormatOf(path)) {
    case 'gpkg':
      return writeGeoPackage(path, features, o);
    case 'shp':
      return writeShapefile(path, features, o);
    default:
      return writeGeoJson(path, features, { ...o, densifyLength: undefined });
  }
}
