// The scene-label raster of a grid classification: one uint8 pixel per cell (class id, nodata 255) with a
// colour table, class names and provenance, on the grid's geotransform (the source's, scaled by the cell).
import type { ClassInfo } from '../../shared/jobs';
import type { RasterInfo } from '../../shared/raster';
import { createCogWriter } from '../export/geotiff';
import type { LabelGrid } from './classify';
import { crsSpecOf } from './segmentOutputs';

export async function writeLabelGrid(path: string, grid: LabelGrid, info: RasterInfo, classes: readonly ClassInfo[], provenance: { source: string; model: string; head: string }, signal?: AbortSignal): Promise<{ labelRasterPath: string }> {
  const colorTable = Array.from({ length: 256 }, () => [0, 0, 0, 0] as [number, number, number, number]);
  const names: (string | null)[] = Array.from({ length: Math.max(0, ...classes.map((c) => c.id)) + 1 }, () => null);
  for (const c of classes) {
    colorTable[c.id] = [c.color[0], c.color[1], c.color[2], 255];
    names[c.id] = c.name;
  }
  const w = createCogWriter(path, {
    width: grid.cols, height: grid.rows, bands: 1, dataType: 'uint8', tileSize: 256, nodata: 255, colorTable, classNames: names,
    crs: crsSpecOf(info), transform: info.georeferenced ? grid.transform : null, signal,
    provenance: { model: provenance.model, head: provenance.head, sourceFile: provenance.source, tiling: `cell=${grid.stride}` },
  });
  try {
    for (let r = 0; r < w.tilesDown; r++) for (let c = 0; c < w.tilesAcross; c++) {
      const win = w.tileWindow(c, r);
      const t = new Uint8Array(win.width * win.height);
      for (let y = 0; y < win.height; y++) t.set(grid.labels.subarray((win.y + y) * grid.cols + win.x, (win.y + y) * grid.cols + win.x + win.width), y * win.width);
      await w.writeTile(c, r, [t]);
    }
    await w.finish();
  } catch (e) {
    await w.abort();
    throw e;
  }
  return { labelRasterPath: path };
}
