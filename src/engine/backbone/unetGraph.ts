// The SD-2.x UNet2DConditionModel (diffusers 0.17 semantics, see unetConfig.ts and tools/pyldm/unet.py) as one
// ONNX graph that also returns SatDiFuser's taps (method.md §2.5): every up-block attn1 output before its residual
// add (tokens reshaped row-major to maps) and every up-block resnet conv2 output before the skip add, concatenated
// per up block in collection order (all attn1 of the block, then all conv2), widest scale first: s1 … sN.
// Inputs: sample [B, C, h, w] (fixed h, w; dynamic batch), timestep float32 [B] (any real value, −1 included),
// encoder_hidden_states [B, 77, D] unless the prompt embedding is baked in as a constant.
import { InvalidArgumentError } from '../../shared/errors';
import { Graph, type Value } from '../nn/graph';
import { add, concat, div, mul, reshape, slice, transpose, unsqueeze } from '../nn/ops';
import { NetBuilder, attention, fusedAttention, geglu, silu } from './layers';
import { type UNetConfig, tapChannels } from './unetConfig';
import type { WeightSource } from './weightSource';

export interface UNetGraphOptions {
  /** Latent height and width. Must be divisible by 2^(number of downsamplers). */
  height: number;
  width: number;
  /** Bake this prompt embedding [1, S, D] into the graph instead of an encoder_hidden_states input. */
  promptEmbedding?: { data: Float32Array; shape: readonly number[] };
  /**
   * 'fused' (default): onnxruntime's MultiHeadAttention contrib kernel (about 20 % less UNet time on the CPU
   * than the plain form in a profile at a 32² latent); 'matmul': plain ONNX ops, for runtimes other than ORT.
   */
  attention?: 'matmul' | 'fused';
  /** Emit the tap outputs s1…sN (default true). */
  taps?: boolean;
  name?: string;
}

interface Ctx {
  b: NetBuilder;
  cfg: UNetConfig;
  temb: Value;
  context: Value;
  taps?: Value[];
  attend: (q: Value, k: Value, v: Value, heads: number, scale: number) => Value;
  /** A baked prompt's K/V are [1, S, C] (folded by ORT); broadcast them to the batch for the attention kernel. */
  toBatch: (v: Value) => Value;
}

const f = Math.fround;

/** Sinusoidal timestep projection (diffusers get_timestep_embedding) with frequencies computed as torch does. */
function timestepEmbedding(g: Graph, t: Value, dim: number, flip: boolean, shift: number): Value {
  const half = Math.floor(dim / 2);
  const freqs = new Float32Array(half);
  const logMax = f(-Math.log(10000)); // torch multiplies the float32 arange by the scalar in float32
  for (let i = 0; i < half; i++) freqs[i] = f(Math.exp(f(f(logMax * i) / (half - shift))));
  const args = mul(unsqueeze(t, [1]), g.constant(freqs, 'float32', [1, half], 'time_freqs'));
  const s = g.op1('Sin', [args]), c = g.op1('Cos', [args]);
  let emb = flip ? concat([c, s], 1) : concat([s, c], 1);
  if (dim % 2 === 1) emb = concat([emb, mul(unsqueeze(t, [1]), 0)], 1);
  return emb;
}

function resnet(ctx: Ctx, x: Value, cin: number, cout: number, scaleFactor = 1, tap = false): Value {
  const { b, cfg } = ctx;
  const groups = cfg.normNumGroups, eps = cfg.normEps;
  let h = b.scope('norm1', () => b.groupNorm(x, cin, groups, eps));
  h = b.scope('conv1', () => b.conv(silu(h), cin, cout, 3));
  const t = b.scope('time_emb_proj', () => b.linear(silu(ctx.temb), ctx.temb.shape[1] as number, cout));
  h = add(h, unsqueeze(t, [2, 3]));
  h = b.scope('norm2', () => b.groupNorm(h, cout, groups, eps));
  h = b.scope('conv2', () => b.conv(silu(h), cout, cout, 3));
  if (tap) ctx.taps!.push(h);
  const skip = cin !== cout ? b.scope('conv_shortcut', () => b.conv(x, cin, cout, 1)) : x;
  const out = add(skip, h);
  return scaleFactor === 1 ? out : div(out, scaleFactor);
}

function transformer(ctx: Ctx, x: Value, channels: number, heads: number, tap = false): Value {
  const { b, cfg } = ctx;
  const [, , hh, ww] = x.shape as [unknown, number, number, number];
  const n = hh * ww;
  const dh = channels / heads;
  const inner = heads * dh;
  const scale = dh ** -0.5;
  const residual = x;
  let h = b.scope('norm', () => b.groupNorm(x, channels, cfg.normNumGroups, 1e-6));
  const toTokens = (v: Value, c: number) => reshape(transpose(v, [0, 2, 3, 1]), [0, n, c]);
  if (cfg.useLinearProjection) h = b.scope('proj_in', () => b.linear(toTokens(h, channels), channels, inner));
  else h = toTokens(b.scope('proj_in', () => b.conv(h, channels, inner, 1)), inner);
  h = b.scope('transformer_blocks.0', () => {
    let y = h;
    const n1 = normed(b, 'norm1', y, inner);
    const a1 = b.scope('attn1', () => {
      const q = b.scope('to_q', () => b.linear(n1, inner, inner, false));
      const k = b.scope('to_k', () => b.linear(n1, inner, inner, false));
      const v = b.scope('to_v', () => b.linear(n1, inner, inner, false));
      return b.scope('to_out.0', () => b.linear(ctx.attend(q, k, v, heads, scale), inner, inner));
    });
    if (tap) ctx.taps!.push(transpose(a1, [0, 2, 1]));
    y = add(a1, y);
    const n2 = normed(b, 'norm2', y, inner);
    const a2 = b.scope('attn2', () => {
      const q = b.scope('to_q', () => b.linear(n2, inner, inner, false));
      const k = ctx.toBatch(b.scope('to_k', () => b.linear(ctx.context, cfg.crossAttentionDim, inner, false)));
      const v = ctx.toBatch(b.scope('to_v', () => b.linear(ctx.context, cfg.crossAttentionDim, inner, false)));
      return b.scope('to_out.0', () => b.linear(ctx.attend(q, k, v, heads, scale), inner, inner));
    });
    y = add(a2, y);
    const n3 = normed(b, 'norm3', y, inner);
    const ff = b.scope('ff.net', () => {
      const gg = b.scope('0', () => geglu(b, n3, inner, inner * 4));
      return b.scope('2', () => b.linear(gg, inner * 4, inner));
    });
    return add(ff, y);
  });
  let out: Value;
  const toMap = (v: Value, c: number) => transpose(reshape(v, [0, hh, ww, c]), [0, 3, 1, 2]);
  if (cfg.useLinearProjection) out = toMap(b.scope('proj_out', () => b.linear(h, inner, channels)), channels);
  else out = b.scope('proj_out', () => b.conv(toMap(h, inner), inner, channels, 1));
  return add(out, residual);
}

/** LayerNorm `name` of the enclosing transformer block, applied to `x`. */
function normed(b: NetBuilder, name: string, x: Value, dim: number): Value {
  return b.scope(name, () => b.layerNorm(x, dim, 1e-5));
}

export function buildUNetGraph(cfg: UNetConfig, weights: WeightSource, o: UNetGraphOptions): Graph {
  const nDown = cfg.blockOutChannels.length - 1;
  if (o.height % 2 ** nDown !== 0 || o.width % 2 ** nDown !== 0) {
    throw new InvalidArgumentError(`A ${o.height}×${o.width} latent cannot go through ${nDown} downsamplers.`, `Use a latent size divisible by ${2 ** nDown} (an image size divisible by ${8 * 2 ** nDown} for an 8× autoencoder).`);
  }
  if (cfg.centerInputSample) throw new InvalidArgumentError('center_input_sample=true is not supported.');
  const g = new Graph({ name: o.name ?? 'unet', weights });
  const b = new NetBuilder(g, weights);
  const boc = cfg.blockOutChannels;
  const sample = g.input('sample', 'float32', ['batch', cfg.inChannels, o.height, o.width]);
  const timestep = g.input('timestep', 'float32', ['batch']);
  let context: Value;
  if (o.promptEmbedding) {
    const [one, s, d] = o.promptEmbedding.shape;
    if (one !== 1 || d !== cfg.crossAttentionDim) throw new InvalidArgumentError(`The prompt embedding has shape [${o.promptEmbedding.shape.join(', ')}]; the UNet needs [1, S, ${cfg.crossAttentionDim}].`);
    context = g.constant(o.promptEmbedding.data, 'float32', [1, s, d], 'prompt_embedding');
  } else {
    context = g.input('encoder_hidden_states', 'float32', ['batch', 77, cfg.crossAttentionDim]);
  }
  const tproj = timestepEmbedding(g, timestep, boc[0], cfg.flipSinToCos, cfg.freqShift);
  const temb = b.scope('time_embedding', () => {
    const h = b.scope('linear_1', () => b.linear(tproj, boc[0], boc[0] * 4));
    return b.scope('linear_2', () => b.linear(silu(h), boc[0] * 4, boc[0] * 4));
  });
  let batchShape: Value | undefined;
  const toBatch = (v: Value): Value => {
    if (!o.promptEmbedding) return v;
    batchShape ??= slice(g.op1('Shape', [sample]), [0], [1], [0]);
    const [, m, c] = v.shape as [number, number, number];
    return g.op1('Expand', [v, concat([batchShape, g.ints([m, c])], 0)], {}, { outputTypes: [{ dtype: 'float32', shape: ['batch', m, c] }] });
  };
  const ctx: Ctx = { b, cfg, temb, context, toBatch, attend: o.attention === 'matmul' ? attention : fusedAttention };
  const k = cfg.convInKernel;
  let x = b.scope('conv_in', () => b.conv(sample, cfg.inChannels, boc[0], k));
  const skips: Value[] = [x];
  let ch = boc[0];
  cfg.downBlockTypes.forEach((type, i) => {
    b.scope(`down_blocks.${i}`, () => {
      const cin = ch;
      ch = boc[i];
      for (let j = 0; j < cfg.layersPerBlock; j++) {
        x = b.scope(`resnets.${j}`, () => resnet(ctx, x, j === 0 ? cin : ch, ch));
        if (type === 'CrossAttnDownBlock2D') x = b.scope(`attentions.${j}`, () => transformer(ctx, x, ch, cfg.attentionHeads[i]));
        skips.push(x);
      }
      if (i !== boc.length - 1) {
        const pad = cfg.downsamplePadding;
        x = b.scope('downsamplers.0.conv', () => b.conv(x, ch, ch, 3, { stride: 2, pads: pad === 0 ? [0, 0, 1, 1] : [pad, pad, pad, pad] }));
        skips.push(x);
      }
    });
  });
  const last = boc[boc.length - 1];
  x = b.scope('mid_block', () => {
    let y = b.scope('resnets.0', () => resnet(ctx, x, last, last, cfg.midBlockScaleFactor));
    y = b.scope('attentions.0', () => transformer(ctx, y, last, cfg.attentionHeads[boc.length - 1]));
    return b.scope('resnets.1', () => resnet(ctx, y, last, last, cfg.midBlockScaleFactor));
  });
  const rev = [...boc].reverse();
  const revHeads = [...cfg.attentionHeads].reverse();
  const scales: Value[] = [];
  let out = rev[0];
  cfg.upBlockTypes.forEach((type, i) => {
    b.scope(`up_blocks.${i}`, () => {
      const prev = out;
      out = rev[i];
      const inCh = rev[Math.min(i + 1, boc.length - 1)];
      const n = cfg.layersPerBlock + 1;
      const attnTaps: Value[] = [];
      const convTaps: Value[] = [];
      for (let j = 0; j < n; j++) {
        const skip = skips.pop()!;
        const skipCh = j === n - 1 ? inCh : out;
        const resIn = j === 0 ? prev : out;
        const cat = concat([x, skip], 1);
        ctx.taps = convTaps;
        x = b.scope(`resnets.${j}`, () => resnet(ctx, cat, resIn + skipCh, out, 1, true));
        if (type === 'CrossAttnUpBlock2D') {
          ctx.taps = attnTaps;
          x = b.scope(`attentions.${j}`, () => transformer(ctx, x, out, revHeads[i], true));
        }
      }
      const [, , hh, ww] = x.shape as [unknown, number, number, number];
      const maps = attnTaps.map((t) => reshape(t, [0, out, hh, ww]));
      scales.push(concat([...maps, ...convTaps], 1));
      if (i !== boc.length - 1) {
        const up = g.op1('Resize', [x, undefined, g.constant(Float32Array.of(1, 1, 2, 2), 'float32', [4], 'up_scales')], {
          mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor',
        });
        x = b.scope('upsamplers.0.conv', () => b.conv(up, out, out, 3));
      }
    });
  });
  x = b.scope('conv_norm_out', () => b.groupNorm(x, boc[0], cfg.normNumGroups, cfg.normEps));
  x = b.scope('conv_out', () => b.conv(silu(x), boc[0], cfg.outChannels, cfg.convOutKernel));
  g.output(x, 'out');
  if (o.taps !== false) {
    const chans = tapChannels(cfg);
    scales.reverse().forEach((s, k) => {
      if (s.shape[1] !== chans[k]) throw new InvalidArgumentError(`internal: scale ${k + 1} has ${String(s.shape[1])} channels, expected ${chans[k]}`);
      g.output(s, `s${k + 1}`);
    });
  }
  g.metadata.set('satdifuser.kind', 'unet_taps');
  g.metadata.set('satdifuser.latent_size', `${o.height}x${o.width}`);
  return g;
}
