// The pixel grid's map frame: OpenLayers draws a raster without georeferencing with row r at y = H − r, the
// project keeps column/row (y down); geometries drawn on the map and stored in the project must agree with both.
import { describe, expect, it } from 'vitest';
import Polygon from 'ol/geom/Polygon';
import { olGeometry, polygonGeometry } from '../../src/renderer/map/overlays';
import { extentToMap, pixelFrame, pixelViewCode, SAME_FRAME } from '../../src/renderer/map/pixelFrame';
import { buildVectorLayer } from '../../src/renderer/map/layerFactory';
import type VectorSource from 'ol/source/Vector';
import type VectorLayer from 'ol/layer/Vector';
import { get as getProjection } from 'ol/proj';

describe('pixel frame', () => {
  it('mirrors rows about the grid height and is its own inverse', () => {
    const f = pixelFrame(352);
    expect(f.toMap([10, 20])).toEqual([10, 332]);
    expect(f.fromMap([10, 332])).toEqual([10, 20]);
    expect(f.fromMap(f.toMap([3.5, 351]))).toEqual([3.5, 351]);
    // The image's top-left corner (column 0, row 0) is the map's top of the [0, 0, W, H] extent.
    expect(f.toMap([0, 0])).toEqual([0, 352]);
    expect(pixelFrame(352)).toBe(f);
  });

  it('a rectangle drawn on the map is stored in columns and rows, and drawn back where it was', () => {
    const f = pixelFrame(352);
    // Drawn over rows 50–150 of the image: map y from 352 − 150 = 202 to 302.
    const drawn = new Polygon([[[100, 202], [200, 202], [200, 302], [100, 302], [100, 202]]]);
    const stored = polygonGeometry(drawn, f);
    expect(stored).toEqual({ type: 'Polygon', coordinates: [[[100, 150], [200, 150], [200, 50], [100, 50], [100, 150]]] });
    expect((olGeometry(stored, f) as Polygon).getCoordinates()).toEqual(drawn.getCoordinates());
    expect(polygonGeometry(drawn, SAME_FRAME)).toEqual({ type: 'Polygon', coordinates: drawn.getCoordinates() });
  });

  it('registers the view projection of a grid in pixels with the grid as its extent', () => {
    const code = pixelViewCode(349, 352);
    expect(code).toBe('PIXEL:349x352');
    const p = getProjection(code)!;
    expect(p.getUnits()).toBe('pixels');
    expect(p.getExtent()).toEqual([0, 0, 349, 352]);
  });

  it('draws a vector layer in pixel coordinates on the mirrored grid, and zooms to its mirrored box', () => {
    const code = pixelViewCode(349, 352);
    const data = {
      path: '/x.shp', name: 'x', format: 'Shapefile' as const, sourceCrs: 'PIXEL', crs: 'PIXEL', fields: [], geometryTypes: ['Polygon'],
      features: { type: 'FeatureCollection' as const, features: [{ type: 'Feature' as const, properties: {}, geometry: { type: 'Polygon', coordinates: [[[100, 50], [200, 50], [200, 150], [100, 150], [100, 50]]] } }] },
    };
    const spec = { kind: 'vector' as const, id: 'v', name: 'x', path: '/x.shp', visible: true, opacity: 1, stroke: '#fff', fill: '#fff', strokeWidth: 1 };
    const built = buildVectorLayer(spec, data, code, pixelFrame(352));
    const source = (built.layer as VectorLayer<VectorSource>).getSource()!;
    expect(source.getExtent()).toEqual([100, 202, 200, 302]);
    expect(extentToMap([100, 50, 200, 150], pixelFrame(352))).toEqual([100, 202, 200, 302]);
    expect(extentToMap([100, 50, 200, 150], SAME_FRAME)).toEqual([100, 50, 200, 150]);
  });
});
