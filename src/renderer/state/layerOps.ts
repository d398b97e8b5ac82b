// Opening layers through the engine: the raster's RasterInfo comes from the engine's reader, its CRS is
// registered for the map, statistics set the default stretch, and the layer is added as one undoable action.
import type { ProjectLayer, RasterHandle } from '../../shared/contract';
import { crsRefFor, registerCrs, reprojectExtent } from '../map/projection';
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
    const stats = model.runtime.get()[id]?.stats ?? null;
    const content = model.project.get().content;
    const crs = content.crs ?? (raster.info.crs ? crsRefFor(raster.info.crs) : null);
    const layer: ProjectLayer = {
      kind: 'raster', id, name: baseName(path), path: raster.info.path, visible: true, opacity: 1,
      style: defaultRasterStyle(raster.info, stats),
    };
    model.perform(addLayer, { layer, crs: crs ?? undefined });
    model.setUi({ selectedLayerId: id });
    model.zoomTo(rasterExtentInMap(raster, mapCrsCode(model)));
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
  if (rt?.vector) return featuresExtent(rt.vector.features);
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
