// Child process of bench/unet.ts: builds the ONNX graphs (UNet with taps at a 32×32 latent, VAE encoder at 256²)
// from the diffusers folders and writes them with external data, so the timing process never holds the
// JS-side copy of the weights. Prints one JSON line.
import { join } from 'node:path';
import { openComponent } from '../src/engine/backbone/diffusersFolder';
import { writeGraph } from '../src/engine/backbone/sessionFromGraph';
import { buildUNetGraph } from '../src/engine/backbone/unetGraph';
import { parseUNetConfig } from '../src/engine/backbone/unetConfig';
import { buildVaeEncoderGraph, oldVaeAttentionName, parseVaeConfig } from '../src/engine/backbone/vaeGraph';
import { WeightSource } from '../src/engine/backbone/weightSource';
import { readNpy } from '../src/engine/backbone/npy';

const [work, variant] = process.argv.slice(2);
const t0 = performance.now();
const unet = openComponent(join(work, 'unet'), 'UNet');
const r = unet.open();
const pe = variant === 'baked' ? readNpy(join(work, 'pe.npy')) : undefined;
const g = buildUNetGraph(parseUNetConfig(unet.config), new WeightSource(r), {
  height: 32, width: 32, promptEmbedding: pe ? { data: pe.data, shape: pe.shape } : undefined, name: `unet_${variant}`,
  attention: variant === 'input' ? 'matmul' : 'fused',
});
const files = writeGraph(g, join(work, `unet_${variant}.onnx`));
r.close();
const tUnet = (performance.now() - t0) / 1000;
if (variant === 'input') {
  const vae = openComponent(join(work, 'vae'), 'VAE');
  const vr = vae.open();
  writeGraph(buildVaeEncoderGraph(parseVaeConfig(vae.config), new WeightSource(vr, oldVaeAttentionName), { height: 256, width: 256 }), join(work, 'vae.onnx'));
  vr.close();
}
console.log(JSON.stringify({ files, unet_export_s: tUnet, peak_rss_gb: process.resourceUsage().maxRSS / 2 ** 20 }));
