// TAESD-family encoders (madebyollin/taesd) from a layer spec: the project's own autoencoder (its spec is in the
// model config, tools/pyldm/tae.py) and TAESD/TAEF2. Input RGB in [0, 1]; keys are nn.Sequential indices.
// Layer kinds: ['conv', in, out, stride, bias] (3×3, pad 1), ['relu'], ['block', in, out, pool] where
// block(x) = relu(conv3(relu(conv3(relu(conv3(x'))))) + skip(x')), x' = x + pool(x) when pool (TAEF2's
// 1×1 → GroupNorm(4) → ReLU → 1×1 branch; GroupNorm statistics span the whole tile).
import { InvalidArgumentError } from '../../shared/errors';
import { Graph, type Value } from '../nn/graph';
import { add, relu } from '../nn/ops';
import { NetBuilder } from './layers';
import type { WeightSource } from './weightSource';

export type TaeLayer = ['conv', number, number, number, boolean | number] | ['relu'] | ['block', number, number, boolean | number];

/** The TAESD encoder layout (TAEF2 = 32 latent channels with the pool branch in its last three blocks). */
export function taesdEncoderSpec(latentChannels: number, midblockGn: boolean): TaeLayer[] {
  const s: TaeLayer[] = [['conv', 3, 64, 1, true], ['block', 64, 64, false]];
  for (let level = 0; level < 3; level++) {
    s.push(['conv', 64, 64, 2, false]);
    for (let k = 0; k < 3; k++) s.push(['block', 64, 64, midblockGn && level === 2]);
  }
  s.push(['conv', 64, latentChannels, 1, true]);
  return s;
}

export function taeDownscale(spec: readonly TaeLayer[]): number {
  return spec.reduce((f, l) => (l[0] === 'conv' ? f * l[3] : f), 1);
}

export function buildTaeEncoderGraph(spec: readonly TaeLayer[], weights: WeightSource, o: { height: number; width: number; name?: string }): Graph {
  const down = taeDownscale(spec);
  if (o.height % down || o.width % down) throw new InvalidArgumentError(`This autoencoder needs image sides divisible by ${down}, got ${o.height}×${o.width}.`);
  const g = new Graph({ name: o.name ?? 'tae_encoder', weights });
  const b = new NetBuilder(g, weights);
  const first = spec[0];
  const inCh = first[0] === 'conv' || first[0] === 'block' ? first[1] : 3;
  let x: Value = g.input('image', 'float32', ['batch', inCh, o.height, o.width]);
  spec.forEach((layer, i) => {
    b.scope(String(i), () => {
      if (layer[0] === 'relu') x = relu(x);
      else if (layer[0] === 'conv') x = b.conv(x, layer[1], layer[2], 3, { stride: layer[3], bias: Boolean(layer[4]) });
      else if (layer[0] === 'block') {
        const [, cin, cout, pool] = layer;
        if (pool) {
          const p = b.scope('pool', () => {
            let y = b.scope('0', () => b.conv(x, cin, 4 * cin, 1, { bias: false }));
            y = relu(b.scope('1', () => b.groupNorm(y, 4 * cin, 4, 1e-5)));
            return b.scope('3', () => b.conv(y, 4 * cin, cin, 1, { bias: false }));
          });
          x = add(x, p);
        }
        const xin = x;
        let h = b.scope('conv.0', () => b.conv(xin, cin, cout, 3));
        h = b.scope('conv.2', () => b.conv(relu(h), cout, cout, 3));
        h = b.scope('conv.4', () => b.conv(relu(h), cout, cout, 3));
        const skip = cin !== cout ? b.scope('skip', () => b.conv(xin, cin, cout, 1, { bias: false })) : xin;
        x = relu(add(h, skip));
      } else throw new InvalidArgumentError(`Unknown autoencoder layer kind "${String((layer as unknown[])[0])}" in the model spec.`);
    });
  });
  g.output(x, 'latent');
  g.metadata.set('satdifuser.kind', 'tae_encoder');
  return g;
}
