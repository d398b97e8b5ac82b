// AutoencoderKL encoder + quant_conv (diffusers models/vae.py Encoder, autoencoder_kl.py) → moments [B, 2L, H/8, W/8]
// (mean ‖ logvar). Resnets and norms use eps 1e-6; downsampling pads right/bottom by one then convolves with
// stride 2 and no padding; the mid block has one single-head self-attention. Old checkpoints name that
// attention query/key/value/proj_attn (sometimes as 1×1 convs); both spellings load.
import { InvalidArgumentError, SatError } from '../../shared/errors';
import { Graph, type Value } from '../nn/graph';
import { add, reshape, transpose } from '../nn/ops';
import { NetBuilder, attention, silu } from './layers';
import type { WeightSource } from './weightSource';

export interface VaeConfig {
  readonly inChannels: number;
  readonly latentChannels: number;
  readonly blockOutChannels: readonly number[];
  readonly layersPerBlock: number;
  readonly normNumGroups: number;
  readonly scalingFactor: number;
  readonly midBlockAttention: boolean;
  /** Newer diffusers configs may drop quant_conv (use_quant_conv: false). */
  readonly useQuantConv: boolean;
}

export function parseVaeConfig(c: Record<string, unknown>, path = 'config.json'): VaeConfig {
  const cls = c._class_name ?? 'AutoencoderKL';
  if (cls !== 'AutoencoderKL') throw new SatError('MODEL_MISMATCH', `"${path}" describes a ${String(cls)}, not an AutoencoderKL.`, { hint: 'Point --vae at the vae/ folder of a Stable Diffusion / DiffusionSat checkpoint.' });
  const down = (c.down_block_types as string[] | undefined) ?? ['DownEncoderBlock2D', 'DownEncoderBlock2D', 'DownEncoderBlock2D', 'DownEncoderBlock2D'];
  if (down.some((t) => t !== 'DownEncoderBlock2D')) throw new SatError('MODEL_MISMATCH', `"${path}": down_block_types ${JSON.stringify(down)} are not supported (only DownEncoderBlock2D).`);
  const act = c.act_fn ?? 'silu';
  if (act !== 'silu' && act !== 'swish') throw new SatError('MODEL_MISMATCH', `"${path}": act_fn "${String(act)}" is not supported (silu).`);
  const boc = (c.block_out_channels as number[] | undefined) ?? [64];
  if (boc.length !== down.length) throw new SatError('MODEL_MISMATCH', `"${path}": block_out_channels and down_block_types differ in length.`);
  return {
    inChannels: (c.in_channels as number | undefined) ?? 3,
    latentChannels: (c.latent_channels as number | undefined) ?? 4,
    blockOutChannels: boc,
    layersPerBlock: (c.layers_per_block as number | undefined) ?? 1,
    normNumGroups: (c.norm_num_groups as number | undefined) ?? 32,
    scalingFactor: (c.scaling_factor as number | undefined) ?? 0.18215,
    midBlockAttention: (c.mid_block_add_attention as boolean | undefined) ?? true,
    useQuantConv: (c.use_quant_conv as boolean | undefined) ?? true,
  };
}

const OLD_NAMES: Record<string, string> = { to_q: 'query', to_k: 'key', to_v: 'value', 'to_out.0': 'proj_attn' };

/** Graph name → the pre-0.18 diffusers checkpoint name of the VAE mid-block attention. */
export function oldVaeAttentionName(name: string): string {
  return name.replace(/\.attentions\.0\.(to_q|to_k|to_v|to_out\.0)\./, (_m, k: string) => `.attentions.0.${OLD_NAMES[k]}.`);
}

export function buildVaeEncoderGraph(cfg: VaeConfig, weights: WeightSource, o: { height: number; width: number; name?: string }): Graph {
  const n = cfg.blockOutChannels.length;
  const factor = 2 ** (n - 1);
  if (o.height % factor || o.width % factor) throw new InvalidArgumentError(`The VAE encoder needs image sides divisible by ${factor}, got ${o.height}×${o.width}.`);
  const g = new Graph({ name: o.name ?? 'vae_encoder', weights });
  const b = new NetBuilder(g, weights);
  const groups = cfg.normNumGroups;
  const eps = 1e-6;
  const resnet = (x: Value, cin: number, cout: number) => {
    let h = b.scope('norm1', () => b.groupNorm(x, cin, groups, eps));
    h = b.scope('conv1', () => b.conv(silu(h), cin, cout, 3));
    h = b.scope('norm2', () => b.groupNorm(h, cout, groups, eps));
    h = b.scope('conv2', () => b.conv(silu(h), cout, cout, 3));
    return add(cin !== cout ? b.scope('conv_shortcut', () => b.conv(x, cin, cout, 1)) : x, h);
  };
  const image = g.input('image', 'float32', ['batch', cfg.inChannels, o.height, o.width]);
  const boc = cfg.blockOutChannels;
  const moments = b.scope('', () => {
    let x = b.scope('encoder.conv_in', () => b.conv(image, cfg.inChannels, boc[0], 3));
    let ch = boc[0];
    for (let i = 0; i < n; i++) {
      b.scope(`encoder.down_blocks.${i}`, () => {
        const cin = ch;
        ch = boc[i];
        for (let j = 0; j < cfg.layersPerBlock; j++) x = b.scope(`resnets.${j}`, () => resnet(x, j === 0 ? cin : ch, ch));
        if (i !== n - 1) x = b.scope('downsamplers.0.conv', () => b.conv(x, ch, ch, 3, { stride: 2, pads: [0, 0, 1, 1] }));
      });
    }
    x = b.scope('encoder.mid_block', () => {
      let y = b.scope('resnets.0', () => resnet(x, ch, ch));
      if (cfg.midBlockAttention) {
        y = b.scope('attentions.0', () => {
          const [, , hh, ww] = y.shape as [unknown, number, number, number];
          const t = reshape(transpose(b.scope('group_norm', () => b.groupNorm(y, ch, groups, eps)), [0, 2, 3, 1]), [0, hh * ww, ch]);
          const q = b.scope('to_q', () => b.linear(t, ch, ch));
          const k = b.scope('to_k', () => b.linear(t, ch, ch));
          const v = b.scope('to_v', () => b.linear(t, ch, ch));
          const a = b.scope('to_out.0', () => b.linear(attention(q, k, v, 1, 1 / Math.sqrt(ch)), ch, ch));
          return add(transpose(reshape(a, [0, hh, ww, ch]), [0, 3, 1, 2]), y);
        });
      }
      return b.scope('resnets.1', () => resnet(y, ch, ch));
    });
    x = b.scope('encoder.conv_norm_out', () => b.groupNorm(x, ch, groups, eps));
    x = b.scope('encoder.conv_out', () => b.conv(silu(x), ch, 2 * cfg.latentChannels, 3));
    return cfg.useQuantConv ? b.scope('quant_conv', () => b.conv(x, 2 * cfg.latentChannels, 2 * cfg.latentChannels, 1)) : x;
  });
  g.output(moments, 'moments');
  g.metadata.set('satdifuser.kind', 'vae_encoder');
  return g;
}
