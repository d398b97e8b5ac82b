// Rasters without georeferencing live in the pixel CRS (PIXEL_CRS): x = column, y = row, y down, in pixels, as
// GDAL and the engine read them. OpenLayers' y axis points up, and it places such a GeoTIFF at [0, 0, W, H] with
// row r at y = H − r. So the map runs in a view projection of that grid ('PIXEL:WxH', units 'pixels'), and every
// coordinate crossing between the project (PIXEL_CRS) and the map is mirrored about the grid's height.
import Projection from 'ol/proj/Projection';
import { addProjection, get as getProjection } from 'ol/proj';
import type { PolygonGeometry } from '../../shared/geometry';

type XY = readonly [number, number];

/** Converts positions between the project's CRS and the map's coordinates. */
export interface MapFrame {
  readonly pixel: boolean;
  toMap(p: XY): [number, number];
  fromMap(p: XY): [number, number];
}

export const SAME_FRAME: MapFrame = { pixel: false, toMap: (p) => [p[0], p[1]], fromMap: (p) => [p[0], p[1]] };

const frames = new Map<number, MapFrame>();

/** One frame per grid height, so a frame compares equal while the grid stays the same. */
export function pixelFrame(height: number): MapFrame {
  let f = frames.get(height);
  if (!f) {
    const flip = (p: XY): [number, number] => [p[0], height - p[1]];
    f = { pixel: true, toMap: flip, fromMap: flip };
    frames.set(height, f);
  }
  return f;
}

/** The OpenLayers code of the view projection for a W×H pixel grid, registered on first use. */
export function pixelViewCode(width: number, height: number): string {
  const code = `PIXEL:${width}x${height}`;
  if (!getProjection(code)) addProjection(new Projection({ code, units: 'pixels', extent: [0, 0, width, height] }));
  return code;
}

export function geometryThrough(g: PolygonGeometry, f: (p: XY) => [number, number]): PolygonGeometry {
  return g.type === 'Polygon'
    ? { type: 'Polygon', coordinates: g.coordinates.map((r) => r.map(f)) }
    : { type: 'MultiPolygon', coordinates: g.coordinates.map((poly) => poly.map((r) => r.map(f))) };
}

/** An OpenLayers transform function (flat coordinates) that takes project coordinates to the map. */
export function toMapTransform(frame: MapFrame): (input: number[], output?: number[], dimension?: number) => number[] {
  return (input, output = input, dimension = 2) => {
    for (let i = 0; i + 1 < input.length; i += dimension) {
      const [x, y] = frame.toMap([input[i]!, input[i + 1]!]);
      output[i] = x;
      output[i + 1] = y;
      for (let k = 2; k < dimension; k++) output[i + k] = input[i + k]!;
    }
    return output;
  };
}

/** A [minx, miny, maxx, maxy] box in project coordinates as a box in map coordinates. */
export function extentToMap(e: readonly [number, number, number, number], frame: MapFrame): [number, number, number, number] {
  const a = frame.toMap([e[0], e[1]]);
  const b = frame.toMap([e[2], e[3]]);
  return [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[0], b[0]), Math.max(a[1], b[1])];
}
