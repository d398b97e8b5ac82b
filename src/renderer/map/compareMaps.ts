// Compare view: two or three maps sharing one View (so pan and zoom stay synchronized), each showing the base
// raster under one head's mask; or one map with a swipe between two masks (the top mask is clipped with a WebGL
// scissor at the swipe position, as OpenLayers' WebGL swipe example does).
import OlMap from 'ol/Map';
import type View from 'ol/View';
import { getRenderPixel } from 'ol/render';
import type RenderEvent from 'ol/render/Event';
import type BaseLayer from 'ol/layer/Base';
import type WebGLTileLayer from 'ol/layer/WebGLTile';
import { defaults as defaultControls } from 'ol/control';

export function createSyncedMaps(targets: readonly HTMLElement[], view: View, layersFor: (i: number) => BaseLayer[]): OlMap[] {
  return targets.map((target, i) => new OlMap({ target, view, layers: layersFor(i), controls: defaultControls({ attribution: false, rotate: false, zoom: i === 0 }) }));
}

/** Clips `layer` to the left `fraction` of the map; returns a function that updates the fraction. */
export function installSwipe(map: OlMap, layer: WebGLTileLayer, initial: number): (fraction: number) => void {
  let fraction = initial;
  layer.on('prerender', (event: RenderEvent) => {
    const gl = event.context as WebGLRenderingContext;
    gl.enable(gl.SCISSOR_TEST);
    const size = map.getSize()!;
    const width = Math.round(size[0]! * fraction);
    const bottomLeft = getRenderPixel(event, [0, size[1]!]);
    const topRight = getRenderPixel(event, [width, 0]);
    gl.scissor(bottomLeft[0]!, bottomLeft[1]!, Math.max(0, topRight[0]! - bottomLeft[0]!), Math.max(0, topRight[1]! - bottomLeft[1]!));
  });
  layer.on('postrender', (event: RenderEvent) => {
    const gl = event.context as WebGLRenderingContext;
    gl.disable(gl.SCISSOR_TEST);
  });
  return (f) => {
    fraction = Math.max(0, Math.min(1, f));
    map.render();
  };
}
