// Copies any windowed raster source into a COG: reads blocks of whole tiles (several tiles wide, up to
// a fixed byte budget, so a strip-organised source is not decoded once per tile), cuts them into tiles,
// and writes them row by row, which keeps the overview builder's memory to about one tile row per level.
import type { PixelWindow } from '../../../shared/geometry';
import { throwIfCancelled } from '../../../shared/errors';
import { createCogWriter, type CogResult } from './cog-writer';
import type { CogWriterOptions } from './cog-options';
import type { SampleArray } from './sample-type';

export interface WindowSource {
  /** One array per band, row-major window.width × window.height, of the writer's data type. */
  read(window: PixelWindow, signal?: AbortSignal): Promise<SampleArray[]>;
}

const READ_BUDGET = 64 << 20;

export async function writeCogFromSource(path: string, source: WindowSource, options: CogWriterOptions): Promise<CogResult> {
  const writer = createCogWriter(path, options);
  const o = writer.options;
  const T = o.tileSize;
  const tileBytes = T * T * o.bands * o.type.bytes;
  const tilesPerRead = Math.max(1, Math.min(writer.tilesAcross, Math.floor(READ_BUDGET / tileBytes)));
  try {
    for (let row = 0; row < writer.tilesDown; row++) {
      for (let col0 = 0; col0 < writer.tilesAcross; col0 += tilesPerRead) {
        throwIfCancelled(options.signal, 'Writing the GeoTIFF');
        const cols = Math.min(tilesPerRead, writer.tilesAcross - col0);
        const first = writer.tileWindow(col0, row);
        const last = writer.tileWindow(col0 + cols - 1, row);
        const window = { x: first.x, y: first.y, width: last.x + last.width - first.x, height: first.height };
        const block = await source.read(window, options.signal);
        for (let c = 0; c < cols; c++) {
          const tw = writer.tileWindow(col0 + c, row);
          const dx = tw.x - window.x;
          const bands = block.map((a) => {
            if (cols === 1) return a;
            const out = new o.type.ArrayType(tw.width * tw.height);
            for (let y = 0; y < tw.height; y++) out.set(a.subarray(y * window.width + dx, y * window.width + dx + tw.width), y * tw.width);
            return out;
          });
          await writer.writeTile(col0 + c, row, bands);
        }
      }
    }
    return await writer.finish();
  } catch (e) {
    await writer.abort();
    throw e;
  }
}
