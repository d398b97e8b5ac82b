// What the app can do with a file, judged by its extension (the reader checks the bytes when it opens it).
import type { FileKind } from '../../shared/contract';

const byExtension: Record<string, FileKind> = {
  '.tif': 'raster', '.tiff': 'raster', '.gtiff': 'raster', '.png': 'raster', '.jpg': 'raster', '.jpeg': 'raster',
  '.geojson': 'vector', '.json': 'vector', '.shp': 'vector', '.gpkg': 'vector',
  '.sdfproj': 'project',
  '.safetensors': 'head',
};

export const PROJECT_EXTENSION = '.sdfproj';

export function fileKindOf(name: string): FileKind {
  if (name === 'head.json') return 'head';
  const dot = name.lastIndexOf('.');
  if (dot < 0) return 'other';
  return byExtension[name.slice(dot).toLowerCase()] ?? 'other';
}
