// Child process for the streaming-memory test: writes a size×size uint8 class mask tile by tile and
// prints its own peak RSS, so the measurement is not mixed with the test runner's memory.
import { createCogWriter } from '../../../../src/engine/export/geotiff/index';

export const maskValue = (x: number, y: number): number => {
  // Five classes in irregular blocks with diagonal edges, plus nodata (255) in one corner.
  if (x + y < 3000) return 255;
  return ((((x + (y >> 1)) >> 9) * 7 + ((y - (x >> 2)) >> 10) * 3) % 5 + 5) % 5;
};

async function main(): Promise<void> {
  const [out, sizeArg] = process.argv.slice(2);
  const size = Number(sizeArg);
  const w = createCogWriter(out, {
    width: size, height: size, bands: 1, dataType: 'uint8', tileSize: 512, nodata: 255,
    colorTable: [[0, 0, 255], [0, 128, 0], [255, 255, 0], [128, 128, 128], [200, 0, 0]],
    classNames: ['water', 'forest', 'crop', 'bare', 'built'],
  });
  let maxPendingBytes = 0;
  for (let r = 0; r < w.tilesDown; r++) {
    for (let c = 0; c < w.tilesAcross; c++) {
      const win = w.tileWindow(c, r);
      const a = new Uint8Array(win.width * win.height);
      for (let y = 0; y < win.height; y++) for (let x = 0; x < win.width; x++) a[y * win.width + x] = maskValue(win.x + x, win.y + y);
      await w.writeTile(c, r, [a]);
      maxPendingBytes = Math.max(maxPendingBytes, w.pendingOverviewBytes);
    }
  }
  const result = await w.finish();
  process.stdout.write(JSON.stringify({ bytes: result.bytes, levels: result.levels.length, maxRssBytes: process.resourceUsage().maxRSS * 1024, maxPendingBytes }) + '\n');
}

if (process.argv[1]?.endsWith('stream-mask.child.ts')) void main();
