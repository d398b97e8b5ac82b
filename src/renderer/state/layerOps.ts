// Opening layers through the engine: the raster's RasterInfo comes from the engine's reader, its CRS is
// registered for the map, statistics set the default stretch, and the layer is added as one undoable action.
import { isPixelCrs, PIXEL_CRS, type CrsRef, type ProjectLayer, type RasterHandle } from '../../shared/contract';
import { InvalidArgumentError } from '../../shared/errors';
import { crsRefFor, registerCrs, reprojectExtent } from '../map/projection';
import { extentToMap, pixelFrame, pixelViewCode, SAME_FRAME, type MapFrame } from '../map/pixelFrame';
import { rasterExtent } from '../map/rasterGeometry';
import { defaultRasterStyle } from '../map/rasterStyle';
import { addLayer } from './actions';
import type { AppModel } from './appModel';

export const newLayerId = () => crypto.randomUUID();

const baseName = (p: string) => p.split(/[\\/]/).pop() ?? p;

/** The map CRS: the project's, or the first raster's. Registered with OpenLayers on the way. */
export function layerCrsCode(handle: RasterHandle): string | null {
  return handle.info.crs ? registerCrs(handle.info.crs) : null;
}

export function rasterExtentInMap(handle: RasterHandle, mapCrs: string | null): [number, number, number, number] {
  const ext = rasterExtent(handle.info.transform, handle.info.width, handle.info.height);
  const code = layerCrsCode(handle);
  return code && mapCrs ? reprojectExtent(ext, code, mapCrs) : ext;
}

/** The CrsRef a raster's coordinates are in: its CRS, the pixel CRS when it has no georeferencing, else null. */
export function rasterCrsRef(handle: RasterHandle): CrsRef | null {
  if (handle.info.crs) return crsRefFor(handle.info.crs);
  return handle.info.georeferenced ? null : PIXEL_CRS;
}

/** The W×H grid of a pixel-CRS project: its first raster without georeferencing (results share its grid). */
export function pixelGrid(model: AppModel): { width: number; height: number } | null {
  if (!isPixelCrs(model.project.get().content.crs)) return null;
  const runtime = model.runtime.get();
  for (const l of model.project.get().content.layers) {
    const info = runtime[l.id]?.raster?.info;
    if (info && !info.georeferenced) return { width: info.width, height: info.height };
  }
  return null;
}

/** How positions convert between the project's CRS and the map (a mirror for pixel grids, else nothing). */
export function mapFrame(model: AppModel): MapFrame {
  const grid = pixelGrid(model);
  return grid ? pixelFrame(grid.height) : SAME_FRAME;
}

/**
 * Layers of another coordinate space would sit at meaningless places (and the project's labels and area are in
 * its CRS): refuse them with what to do instead.
 */
function checkPlaceable(model: AppModel, raster: RasterHandle): void {
  const projectCrs = model.project.get().content.crs;
  const ref = rasterCrsRef(raster);
  if (!projectCrs) return;
  if (isPixelCrs(projectCrs) && ref !== PIXEL_CRS) {
    throw new InvalidArgumentError(`"${raster.name}" is georeferenced, but this project works in the pixel coordinates of an image without georeferencing.`, 'Open it in a new project (File → New).');
  }
  if (!isPixelCrs(projectCrs) && ref === PIXEL_CRS) {
    throw new InvalidArgumentError(`"${raster.name}" has no georeferencing, so it cannot be placed on this project's map (${projectCrs.slice(0, 40)}).`, 'Open it in a new project (File → New): the map then works in its pixel coordinates; or georeference it first (a world file, or gdal_translate -a_srs … -a_ullr …).');
  }
  const grid = pixelGrid(model);
  if (ref === PIXEL_CRS && grid && (grid.width !== raster.info.width || grid.height !== raster.info.height)) {
    throw new InvalidArgumentError(`"${raster.name}" is ${raster.info.width}×${raster.info.height} pixels, but this project's pixel grid is ${grid.width}×${grid.height}; images without georeferencing only line up when their grids are the same.`, 'Open it in a new project (File → New).');
  }
}

async function loadRaster(model: AppModel, layerId: string, path: string): Promise<RasterHandle> {
  model.setRuntime(layerId, { status: 'loading', error: null, raster: null, stats: null, vector: null });
  try {
    const raster = await model.client.call('raster.open', { path });
    layerCrsCode(raster);
    const stats = await model.client.call('raster.statistics', { rasterId: raster.rasterId, bands: null });
    model.setRuntime(layerId, { status: 'ready', error: null, raster, stats, vector: null });
    return raster;
  } catch (e) {
    model.setRuntime(layerId, { status: 'error', error: e as Error, raster: null, stats: null, vector: null });
    throw e;
  }
}

export async function addRasterLayer(model: AppModel, path: string): Promise<string | null> {
  const id = newLayerId();
  try {
    const raster = await loadRaster(model, id, path);
    checkPlaceable(model, raster);
    const stats = model.runtime.get()[id]?.stats ?? null;
    const content = model.project.get().content;
    const crs = content.crs ?? rasterCrsRef(raster);
    const layer: ProjectLayer = {
      kind: 'raster', id, name: baseName(path), path: raster.info.path, visible: true, opacity: 1,
      style: defaultRasterStyle(raster.info, stats),
    };
    model.perform(addLayer, { layer, crs: crs ?? undefined });
    model.setUi({ selectedLayerId: id });
    model.zoomTo(rasterExtentInMap(raster, mapCrsCode(model)));
    if (raster.info.georeferenced && !raster.info.crs) {
      // A world file or tie points without a CRS: the position is known only in unnamed units, so the map cannot
      // place it among other layers and the engine cannot place an area or labels on it.
      model.notify(`"${raster.name}" has a geotransform but no CRS: it is drawn at its own coordinates, and areas and labels cannot be placed on it.`, 'error',
        'Assign its CRS (gdal_edit.py -a_srs EPSG:xxxx, or a .prj beside the world file) and open it again.');
    }
    return id;
  } catch (e) {
    model.setRuntime(id, null);
    model.reportError(e, `Opening "${baseName(path)}"`);
    return null;
  }
}

/** The OpenLayers code of the project CRS (registered), or null for a project without one yet. */
export function mapCrsCode(model: AppModel): string | null {
  const crs = model.project.get().content.crs;
  if (!crs) return null;
  if (isPixelCrs(crs)) {
    const grid = pixelGrid(model);
    return grid ? pixelViewCode(grid.width, grid.height) : null;
  }
  for (const rt of Object.values(model.runtime.get())) {
    if (rt.raster?.info.crs && crsRefFor(rt.raster.info.crs) === crs) return registerCrs(rt.raster.info.crs);
  }
  return /^EPSG:(4326|3857)$/.test(crs) ? crs : null;
}

export async function addVectorLayer(model: AppModel, path: string): Promise<string | null> {
  const id = newLayerId();
  const content = model.project.get().content;
  const target = content.crs ?? 'EPSG:3857';
  model.setRuntime(id, { status: 'loading', error: null, raster: null, stats: null, vector: null });
  try {
    const vector = await model.client.call('vector.read', { path, crs: target });
    model.setRuntime(id, { status: 'ready', error: null, raster: null, stats: null, vector });
    model.perform(addLayer, {
      layer: { kind: 'vector', id, name: vector.name, path: vector.path, visible: true, opacity: 1, stroke: '#ffcc00', fill: 'rgba(255,204,0,0.15)', strokeWidth: 1.5 },
      crs: target,
    });
    model.setUi({ selectedLayerId: id });
    return id;
  } catch (e) {
    model.setRuntime(id, null);
    model.reportError(e, `Opening "${baseName(path)}"`);
    return null;
  }
}

/** Bounding box of GeoJSON features (already in the map CRS), or null when there are no coordinates. */
export function featuresExtent(fc: { features: readonly { geometry: { coordinates: unknown } | null }[] }): [number, number, number, number] | null {
  const e = [Infinity, Infinity, -Infinity, -Infinity] as [number, number, number, number];
  const walk = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') {
      e[0] = Math.min(e[0], c[0] as number); e[1] = Math.min(e[1], c[1] as number);
      e[2] = Math.max(e[2], c[0] as number); e[3] = Math.max(e[3], c[1] as number);
    } else if (Array.isArray(c)) c.forEach(walk);
  };
  for (const f of fc.features) walk(f.geometry?.coordinates);
  return Number.isFinite(e[0]) ? e : null;
}

/** The extent of a layer in the map CRS, for "zoom to layer". */
export function layerExtent(model: AppModel, layerId: string): [number, number, number, number] | null {
  const rt = model.runtime.get()[layerId];
  if (rt?.raster) return rasterExtentInMap(rt.raster, mapCrsCode(model));
  if (rt?.vector) {
    const e = featuresExtent(rt.vector.features);
    return e && extentToMap(e, mapFrame(model));
  }
  return null;
}

/** (Re)connects a project's layers to the engine after opening a project or an engine restart. */
export async function reloadLayers(model: AppModel): Promise<void> {
  const { content } = model.project.get();
  await Promise.all(content.layers.map(async (layer) => {
    if (layer.kind === 'vector') {
      model.setRuntime(layer.id, { status: 'loading', error: null, raster: null, stats: null, vector: null });
      try {
        const vector = await model.client.call('vector.read', { path: layer.path, crs: content.crs });
        model.setRuntime(layer.id, { status: 'ready', error: null, raster: null, stats: null, vector });
      } catch (e) {
        model.setRuntime(layer.id, { status: 'error', error: e as Error, raster: null, stats: null, vector: null });
      }
      return;
    }
    try {
      await loadRaster(model, layer.id, layer.path);
    } catch {
      // The error is shown on the layer's row; the other layers still load.
    }
  }));
}
