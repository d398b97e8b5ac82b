// Times the app's SatDiFuser extraction of one tile with a backbone model folder: autoencoder encoder + the
// 10-call DDIM inversion with taps, through the engine's own runtime (onnxruntime-node, CPU). Graph building and
// session creation happen once before timing.
//   node --import tsx tools/train_backbone/time_extraction.ts [models/satdifuser-tiny] [--tile 256] [--runs 10] [--threads 2]
// Last line: `extraction: median_s=… fastest_s=… tile=… threads=…`.
import { BackboneRuntime } from '../../src/engine/backbone/backboneRuntime';
import { loadBackbone } from '../../src/engine/backbone/modelStore';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const modelArg = args.find((a, i) => !a.startsWith('--') && (i === 0 || !args[i - 1].startsWith('--'))) ?? 'models/satdifuser-tiny';
const tile = flag('tile', 256);
const runs = flag('runs', 10);
const threads = flag('threads', 2);

const model = loadBackbone(modelArg);
const rt = await BackboneRuntime.open(model, tile, tile, { threads });
try {
  const pixels = new Float32Array(3 * tile * tile);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.random();
  await rt.features(pixels, 1, [47, 45, 40]);
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    await rt.features(pixels, 1, [47, 45, 40]);
    times.push((performance.now() - t0) / 1000);
  }
  times.sort((a, b) => a - b);
  console.log(`extraction: median_s=${times[Math.floor(runs / 2)].toFixed(3)} fastest_s=${times[0].toFixed(3)} tile=${tile} threads=${threads} model=${model.name}`);
} finally {
  await rt.release();
}
