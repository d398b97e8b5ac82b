#!/usr/bin/env node
// Times an .onnx file in onnxruntime-node (the runtime the app uses), CPU provider, all cores:
//   node tools/train_backbone/time_onnx.mjs model.onnx 'name=1x32x32x32' 'other=1' ... [--runs 20] [--threads 2]
// Inputs are filled with uniform random floats; prints the median and the fastest run in milliseconds.
import * as ort from 'onnxruntime-node';

const args = process.argv.slice(2);
const file = args.shift();
let runs = 20;
let threads = 2;
const feeds = {};
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--runs') runs = Number(args[++i]);
  else if (args[i] === '--threads') threads = Number(args[++i]);
  else {
    const [name, dims] = args[i].split('=');
    const shape = dims.split('x').map(Number);
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let j = 0; j < n; j++) data[j] = Math.random() * 2 - 1;
    feeds[name] = new ort.Tensor('float32', data, shape);
  }
}
const session = await ort.InferenceSession.create(file, { intraOpNumThreads: threads, graphOptimizationLevel: 'all' });
for (let i = 0; i < 3; i++) await session.run(feeds);
const times = [];
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  await session.run(feeds);
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
console.log(`${file}: median ${times[Math.floor(runs / 2)].toFixed(1)} ms, fastest ${times[0].toFixed(1)} ms over ${runs} runs, ${threads} threads`);
