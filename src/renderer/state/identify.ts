// Identify: pixel values of the selected raster layer (or the topmost visible one) under a map click, read by the
// engine from the file itself, not from the rendered colours.
import type { AppModel } from './appModel';

export async function identifyAt(model: AppModel, xy: readonly [number, number], crs: string): Promise<void> {
  const { content } = model.project.get();
  const runtime = model.runtime.get();
  const { selectedLayerId } = model.ui.get();
  const rasters = content.layers.filter((l) => l.kind !== 'vector' && runtime[l.id]?.raster);
  const target = rasters.find((l) => l.id === selectedLayerId) ?? [...rasters].reverse().find((l) => l.visible);
  if (!target) {
    model.setUi({ identify: { result: null, error: new Error('There is no raster layer to identify. Add one first.'), layerName: '' } });
    return;
  }
  const rasterId = runtime[target.id]!.raster!.rasterId;
  try {
    const result = await model.client.call('raster.identify', { rasterId, x: xy[0], y: xy[1], crs });
    model.setUi({ identify: { result, error: null, layerName: target.name } });
  } catch (e) {
    model.setUi({ identify: { result: null, error: e as Error, layerName: target.name } });
  }
}
