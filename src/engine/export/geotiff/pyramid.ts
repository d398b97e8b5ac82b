// Geometry of the overview pyramid: each level halves the previous one, rounding up (as gdaladdo and
// GDAL's GTiff overviews do), so level k pixel (i, j) covers exactly the 2×2 block (2i..2i+1, 2j..2j+1)
// of level k-1, with a partial block on an odd edge. Every level is tiled with the same tile size.
export interface LevelGeometry {
  readonly width: number;
  readonly height: number;
  readonly tilesAcross: number;
  readonly tilesDown: number;
}

export function levelGeometry(width: number, height: number, tileSize: number): LevelGeometry {
  return { width, height, tilesAcross: Math.ceil(width / tileSize), tilesDown: Math.ceil(height / tileSize) };
}

/**
 * Full resolution first, then the overviews. 'auto' halves until the level fits in one tile (GDAL's
 * COG driver default); a number asks for that many overviews, stopping early at 1×1.
 */
export function pyramidLevels(width: number, height: number, tileSize: number, overviews: number | 'auto'): LevelGeometry[] {
  const levels = [levelGeometry(width, height, tileSize)];
  let w = width;
  let h = height;
  for (;;) {
    const more = overviews === 'auto' ? w > tileSize || h > tileSize : levels.length <= overviews && (w > 1 || h > 1);
    if (!more) break;
    w = Math.ceil(w / 2);
    h = Math.ceil(h / 2);
    levels.push(levelGeometry(w, h, tileSize));
  }
  return levels;
}
