// Class mask → polygons whose edges are exactly the pixel edges, with holes. No npm library does this
// exactly (d3-contour interpolates marching squares and merges every value band), so this is written by
// hand and tested against gdal_polygonize.
//
// 1. Connected components of equal value (4-connected by default, like GDAL; 8 optional), nodata skipped.
// 2. Every pixel side whose neighbour is another component (or nodata, or outside) is a boundary edge,
//    directed clockwise around its pixel on screen (rows grow downwards). Following edges from vertex to
//    vertex yields closed rings; at a vertex where two pixels of the same component touch diagonally
//    ("saddle") the ring crosses over to the other pixel. Connectivity acts through the labelling only.
// 3. With this orientation a component's outer ring has positive signed area in pixel space and its
//    holes negative; each component has exactly one outer ring. Rings keep only corner vertices.
import { AbsurdSizeError } from '../../shared/errors';

export type Connectivity = 4 | 8;

export interface PixelPolygon {
  /** Class value of the component. */
  readonly value: number;
  /** Pixel count of the component. */
  readonly pixels: number;
  /** First ring outer, then holes; vertices are pixel-corner coordinates [col, row], rings closed. */
  readonly rings: number[][][];
  /** Sum over the component of the per-pixel weight (e.g. class probability), when weights were given. */
  readonly weightSum: number;
  /** Pixel bounding box: [minCol, minRow, maxCol, maxRow] in pixel-corner coordinates. */
  readonly bbox: readonly [number, number, number, number];
}

export interface PolygonizeOptions {
  readonly connectivity?: Connectivity;
  /** Pixels with this value are not polygonized. */
  readonly nodata?: number | null;
  /** Per-pixel weight summed per polygon (e.g. the probability of the pixel's class, 0–1). */
  readonly weights?: ArrayLike<number>;
  /** Keep vertices where three or more regions meet (or two meet diagonally) even on a straight run,
   *  so shared boundaries can be split into arcs there (see simplify.ts). */
  readonly keepNodes?: boolean;
  readonly signal?: AbortSignal;
}

/**
 * Pixel corners where three or more regions (nodata and the outside counting as one) meet, or where two
 * meet diagonally: the end points of the boundary arcs two polygons share. Index: row·(width+1)+col.
 */
export function boundaryNodes(labels: Int32Array, width: number, height: number): Uint8Array {
  const W1 = width + 1;
  const nodes = new Uint8Array(W1 * (height + 1));
  for (let y = 0; y <= height; y++) {
    for (let x = 0; x <= width; x++) {
      const a = labelAt(labels, width, height, x - 1, y - 1), b = labelAt(labels, width, height, x, y - 1);
      const c = labelAt(labels, width, height, x - 1, y), d = labelAt(labels, width, height, x, y);
      const distinct = 1 + (b !== a ? 1 : 0) + (c !== a && c !== b ? 1 : 0) + (d !== a && d !== b && d !== c ? 1 : 0);
      if (distinct >= 3 || (distinct === 2 && a === d && b === c)) nodes[y * W1 + x] = 1;
    }
  }
  // The raster's corners too, so simplification never cuts the footprint's corners.
  nodes[0] = nodes[width] = nodes[height * W1] = nodes[height * W1 + width] = 1;
  return nodes;
}

/** Largest mask polygonized in memory (labels take 4 bytes a pixel, edge marks 1 byte). */
export const MAX_POLYGONIZE_PIXELS = 250_000_000;

function find(parent: Int32Array, i: number): number {
  while (parent[i] !== i) {
    parent[i] = parent[parent[i]];
    i = parent[i];
  }
  return i;
}

/** Joins the sets of pixels a and b, the smaller root becoming the root of both. */
function union(parent: Int32Array, a: number, b: number): void {
  const ra = find(parent, a);
  const rb = find(parent, b);
  if (ra !== rb) {
    if (ra < rb) parent[rb] = ra;
    else parent[ra] = rb;
  }
}

/** Component id per pixel (−1 for nodata) and the number of components. */
export function labelComponents(mask: ArrayLike<number>, width: number, height: number, connectivity: Connectivity, nodata: number | null): { labels: Int32Array; count: number } {
  const n = width * height;
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const v = mask[i];
      if (v === nodata) continue;
      if (x > 0 && mask[i - 1] === v) union(parent, i, i - 1);
      if (y > 0) {
        if (mask[i - width] === v) union(parent, i, i - width);
        if (connectivity === 8) {
          if (x > 0 && mask[i - width - 1] === v) union(parent, i, i - width - 1);
          if (x < width - 1 && mask[i - width + 1] === v) union(parent, i, i - width + 1);
        }
      }
    }
  }
  const labels = new Int32Array(n);
  const ids = new Int32Array(n).fill(-1);
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (mask[i] === nodata) {
      labels[i] = -1;
      continue;
    }
    const r = find(parent, i);
    if (ids[r] < 0) ids[r] = count++;
    labels[i] = ids[r];
  }
  return { labels, count };
}

// Side s of pixel (x, y): 0 top (travel +x), 1 right (+y), 2 bottom (−x), 3 left (−y).
const DX = [1, 0, -1, 0];
const DY = [0, 1, 0, -1];
// Start corner of side s relative to the pixel's top-left corner.
const SX = [0, 1, 1, 0];
const SY = [0, 0, 1, 1];
// Neighbour across side s.
const NX = [0, 1, 0, -1];
const NY = [-1, 0, 1, 0];

/** Label at (x, y), −1 outside the mask. */
function labelAt(labels: Int32Array, width: number, height: number, x: number, y: number): number {
  return x < 0 || y < 0 || x >= width || y >= height ? -1 : labels[y * width + x];
}

/**
 * The closed boundary ring of pixel (x0, y0)'s component that starts on the pixel's side s0, marking each
 * side it follows in `visited`. A module-level function, not a closure of the caller: V8 keeps its optimised code
 * across calls and collections.
 */
function traceRing(labels: Int32Array, width: number, height: number, nodes: Uint8Array | null, visited: Uint8Array, x0: number, y0: number, s0: number): number[][] {
  const c = labels[y0 * width + x0];
  const W1 = width + 1;
  const ring: number[][] = [];
  let x = x0;
  let y = y0;
  let s = s0;
  let lastDir = -1;
  for (;;) {
    visited[y * width + x] |= 1 << s;
    if (s !== lastDir || (nodes && nodes[(y + SY[s]) * W1 + x + SX[s]])) {
      ring.push([x + SX[s], y + SY[s]]);
      lastDir = s;
    }
    // Candidates at the end vertex of (x, y, s): hug (same pixel, next side), straight (the pixel
    // ahead, same side) or left (the diagonal pixel, previous side).
    const ax = x + DX[s];
    const ay = y + DY[s];
    const dx = ax + NX[s];
    const dy = ay + NY[s];
    const aheadSame = labelAt(labels, width, height, ax, ay) === c;
    const diagSame = labelAt(labels, width, height, dx, dy) === c;
    let nx: number, ny: number, ns: number;
    // Crossing to a diagonal pixel of the same component at a saddle splits the boundary into an
    // outer ring and a hole that touch at the vertex (valid OGC) instead of one self-touching ring;
    // the two pixels can only be the same component here if the labelling connected them.
    if (diagSame) {
      nx = dx; ny = dy; ns = (s + 3) & 3;
    } else if (!aheadSame) {
      nx = x; ny = y; ns = (s + 1) & 3;
    } else {
      nx = ax; ny = ay; ns = s;
    }
    x = nx;
    y = ny;
    s = ns;
    if (x === x0 && y === y0 && s === s0) break;
  }
  // The start vertex may lie mid-way along a straight run: drop it if collinear.
  if (ring.length > 2) {
    const a = ring[ring.length - 1], b = ring[0], d = ring[1];
    const isNode = nodes !== null && nodes[b[1] * W1 + b[0]] === 1;
    if (!isNode && (b[0] - a[0]) * (d[1] - b[1]) - (b[1] - a[1]) * (d[0] - b[0]) === 0) ring.shift();
  }
  ring.push([ring[0][0], ring[0][1]]);
  return ring;
}

export function polygonize(mask: ArrayLike<number>, width: number, height: number, opts: PolygonizeOptions = {}): PixelPolygon[] {
  return polygonizeWithNodes(mask, width, height, opts).polygons;
}

export function polygonizeWithNodes(mask: ArrayLike<number>, width: number, height: number, opts: PolygonizeOptions = {}): { polygons: PixelPolygon[]; nodes: Uint8Array | null } {
  if (width * height > MAX_POLYGONIZE_PIXELS) {
    throw new AbsurdSizeError(
      `Polygonizing a ${width} × ${height} mask in memory needs about ${((width * height * 6) / 1e9).toFixed(1)} GB.`,
      'Polygonize a smaller area of interest, or sieve/resample the mask first.',
      { width, height },
    );
  }
  const connectivity = opts.connectivity ?? 4;
  const nodata = opts.nodata ?? null;
  const { labels, count } = labelComponents(mask, width, height, connectivity, nodata);

  const weights = opts.weights;
  const pixels = new Float64Array(count);
  const weightSum = new Float64Array(count);
  const value = new Int32Array(count);
  const bbox = new Int32Array(count * 4);
  for (let c = 0; c < count; c++) {
    bbox[4 * c] = width;
    bbox[4 * c + 1] = height;
    bbox[4 * c + 2] = 0;
    bbox[4 * c + 3] = 0;
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const c = labels[i];
      if (c < 0) continue;
      pixels[c]++;
      value[c] = mask[i];
      if (weights) weightSum[c] += weights[i];
      if (x < bbox[4 * c]) bbox[4 * c] = x;
      if (y < bbox[4 * c + 1]) bbox[4 * c + 1] = y;
      if (x + 1 > bbox[4 * c + 2]) bbox[4 * c + 2] = x + 1;
      if (y + 1 > bbox[4 * c + 3]) bbox[4 * c + 3] = y + 1;
    }
  }

  const nodes = opts.keepNodes ? boundaryNodes(labels, width, height) : null;
  const visited = new Uint8Array(width * height); // 4 bits: sides already traced
  const rings: number[][][][] = Array.from({ length: count }, () => []);
  for (let y0 = 0; y0 < height; y0++) {
    if (opts.signal?.aborted) throw new Error('aborted');
    for (let x0 = 0; x0 < width; x0++) {
      const c = labels[y0 * width + x0];
      if (c < 0) continue;
      for (let s0 = 0; s0 < 4; s0++) {
        if (visited[y0 * width + x0] & (1 << s0) || labelAt(labels, width, height, x0 + NX[s0], y0 + NY[s0]) === c) continue;
        rings[c].push(traceRing(labels, width, height, nodes, visited, x0, y0, s0));
      }
    }
  }
  const out: PixelPolygon[] = [];
  for (let c = 0; c < count; c++) {
    const rs = rings[c];
    // The outer ring is the one with positive signed area (clockwise on screen); holes follow.
    let outer = 0;
    for (let k = 0; k < rs.length; k++) if (ringArea(rs[k]) > 0) outer = k;
    const ordered = [rs[outer], ...rs.filter((_, k) => k !== outer)];
    out.push({ value: value[c], pixels: pixels[c], rings: ordered, weightSum: weightSum[c], bbox: [bbox[4 * c], bbox[4 * c + 1], bbox[4 * c + 2], bbox[4 * c + 3]] });
  }
  return { polygons: out, nodes };
}

/** Shoelace signed area of a closed ring (positive = clockwise on screen in pixel space). */
export function ringArea(ring: readonly (readonly number[])[]): number {
  let s = 0;
  for (let i = 0; i + 1 < ring.length; i++) s += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
  return s / 2;
}
