// OpenLayers layers for project layers. Rasters (imagery and analysis results) are WebGL tile layers over
// ol/source/GeoTIFF reading the engine's served bytes with range requests; vectors are vector layers.
import GeoTIFF from 'ol/source/GeoTIFF';
import WebGLTileLayer from 'ol/layer/WebGLTile';
import VectorLayer from 'ol/layer/Vector';
import VectorSource from 'ol/source/Vector';
import GeoJSON from 'ol/format/GeoJSON';
import { Fill, Stroke, Style, Circle as CircleStyle } from 'ol/style';
import type BaseLayer from 'ol/layer/Base';
import type { ProjectLayer, RasterHandle, VectorDataset } from '../../shared/contract';
import { disagreementStyleExpression, maskStyleExpression, probabilityStyleExpression } from './classStyle';
import { registerCrs } from './projection';
import { SAME_FRAME, toMapTransform, type MapFrame } from './pixelFrame';
import { rasterStyleExpression } from './rasterStyle';

export interface BuiltLayer {
  readonly layer: BaseLayer;
  /** Changes of this key mean the layer must be rebuilt (new source); anything else is updated in place. */
  readonly key: string;
  /** Applies style changes that do not need a new source. */
  restyle(spec: ProjectLayer): void;
}

function geotiffSource(handle: RasterHandle, url: string, bands: readonly number[], nodata: number | null, viewCode: string): GeoTIFF {
  // A raster without georeferencing is drawn in the view's pixel projection, where OpenLayers puts its grid.
  const projection = handle.info.crs ? registerCrs(handle.info.crs) : !handle.info.georeferenced && viewCode.startsWith('PIXEL:') ? viewCode : undefined;
  return new GeoTIFF({
    sources: [{ url, bands: bands.map((b) => b + 1), nodata: nodata ?? undefined }],
    normalize: false,
    interpolate: false,
    projection,
    // The engine answers range requests; never download a whole multi-gigabyte file.
    sourceOptions: { allowFullFile: false },
    wrapX: false,
  });
}

export function rasterKey(spec: ProjectLayer, rasterId: string): string {
  const bands = spec.kind === 'raster' ? spec.style.bands.join(',') : spec.kind === 'probability' ? String(spec.classId) : '1';
  return `${spec.kind}:${rasterId}:${bands}`;
}

export function buildRasterLayer(spec: ProjectLayer, handle: RasterHandle, url: string, viewCode: string): BuiltLayer {
  const nodata = handle.info.nodata;
  let bands: number[];
  const specStyle = (s: ProjectLayer) => {
    if (s.kind === 'raster') return rasterStyleExpression(s.style, nodata !== null);
    if (s.kind === 'mask') return maskStyleExpression(s.classes);
    if (s.kind === 'probability') {
      const cls = s.classes.find((c) => c.id === s.classId) ?? { id: s.classId, name: '', color: [255, 0, 0] as const };
      return probabilityStyleExpression(cls);
    }
    return disagreementStyleExpression();
  };
  if (spec.kind === 'raster') bands = [...spec.style.bands];
  else if (spec.kind === 'probability') bands = [Math.max(0, spec.classes.findIndex((c) => c.id === spec.classId))];
  else bands = [0];
  const style = () => specStyle(spec);
  // Masks carry 255 (no class) as nodata: the style already makes it transparent, so no alpha band is needed.
  const sourceNodata = spec.kind === 'raster' ? nodata : null;
  const layer = new WebGLTileLayer({
    source: geotiffSource(handle, url, bands, sourceNodata, viewCode),
    style: style() as never,
    opacity: spec.opacity,
    visible: spec.visible,
    properties: { layerId: spec.id },
  });
  let lastStyle = JSON.stringify(style());
  return {
    layer,
    key: rasterKey(spec, handle.rasterId),
    restyle(next) {
      layer.setOpacity(next.opacity);
      layer.setVisible(next.visible);
      const s = specStyle(next);
      const text = JSON.stringify(s);
      if (text !== lastStyle) {
        lastStyle = text;
        layer.setStyle(s as never);
      }
    },
  };
}

function vectorStyle(stroke: string, fill: string, width: number): Style {
  return new Style({
    stroke: new Stroke({ color: stroke, width }),
    fill: new Fill({ color: fill }),
    image: new CircleStyle({ radius: 4, fill: new Fill({ color: stroke }), stroke: new Stroke({ color: '#000', width: 0.5 }) }),
  });
}

export function buildVectorLayer(spec: Extract<ProjectLayer, { kind: 'vector' }>, data: VectorDataset, mapCode: string, frame: MapFrame = SAME_FRAME): BuiltLayer {
  const format = new GeoJSON();
  const features = format.readFeatures(data.features, { dataProjection: mapCode, featureProjection: mapCode });
  // Features arrive in the project's CRS; on a pixel grid that is column/row, mirrored onto the map.
  if (frame.pixel) for (const f of features) f.getGeometry()?.applyTransform(toMapTransform(frame));
  const layer = new VectorLayer({
    source: new VectorSource({ features }),
    style: vectorStyle(spec.stroke, spec.fill, spec.strokeWidth),
    opacity: spec.opacity,
    visible: spec.visible,
    properties: { layerId: spec.id },
  });
  return {
    layer,
    key: `vector:${data.path}:${data.crs}`,
    restyle(next) {
      layer.setOpacity(next.opacity);
      layer.setVisible(next.visible);
      if (next.kind === 'vector') layer.setStyle(vectorStyle(next.stroke, next.fill, next.strokeWidth));
    },
  };
}
