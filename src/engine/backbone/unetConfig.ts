// diffusers UNet2DConditionModel config.json (and DiffusionSat's SatUNet) read with diffusers 0.17 semantics, for
// the SD-2.x family: the same rules as tools/pyldm/unet.py (UNetConfig.from_dict). Unsupported fields are named.
import { SatError } from '../../shared/errors';

export interface UNetConfig {
  readonly className: string;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly flipSinToCos: boolean;
  readonly freqShift: number;
  readonly downBlockTypes: readonly ('CrossAttnDownBlock2D' | 'DownBlock2D')[];
  readonly upBlockTypes: readonly ('CrossAttnUpBlock2D' | 'UpBlock2D')[];
  readonly blockOutChannels: readonly number[];
  readonly layersPerBlock: number;
  readonly downsamplePadding: number;
  readonly midBlockScaleFactor: number;
  readonly normNumGroups: number;
  readonly normEps: number;
  readonly crossAttentionDim: number;
  /** Heads per block (diffusers 0.17 reads `attention_head_dim` as the number of heads). */
  readonly attentionHeads: readonly number[];
  readonly useLinearProjection: boolean;
  readonly upcastAttention: boolean;
  readonly convInKernel: number;
  readonly convOutKernel: number;
  readonly centerInputSample: boolean;
  /** DiffusionSat metadata fields, accepted and ignored (SatDiFuser builds the UNet without them). */
  readonly numMetadata: number;
}

function unsupported(path: string, field: string, value: unknown, allowed: string): SatError {
  return new SatError('MODEL_MISMATCH', `The UNet config "${path}" sets ${field}=${JSON.stringify(value)}, which this importer does not support (${allowed}).`, {
    hint: 'Only the SD-2.x UNet2DConditionModel family that DiffusionSat uses is supported (CrossAttnDown/Down, UNetMidBlock2DCrossAttn, Up/CrossAttnUp blocks).',
    details: { path, field, value },
  });
}

export function parseUNetConfig(raw: Record<string, unknown>, path = 'config.json'): UNetConfig {
  const c = raw;
  const get = <T>(k: string, d: T): T => (c[k] === undefined ? d : (c[k] as T));
  const className = get('_class_name', 'UNet2DConditionModel');
  if (className !== 'UNet2DConditionModel' && className !== 'SatUNet') throw unsupported(path, '_class_name', className, 'UNet2DConditionModel or SatUNet');
  const must = (k: string, allowed: unknown[], d: unknown) => {
    const v = get(k, d);
    if (!allowed.some((a) => a === v)) throw unsupported(path, k, v, `supported: ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
  };
  must('time_embedding_type', ['positional'], 'positional');
  must('resnet_time_scale_shift', ['default'], 'default');
  must('class_embed_type', [null], null);
  must('num_class_embeds', [null], null);
  must('addition_embed_type', [null], null);
  must('encoder_hid_dim', [null], null);
  must('time_cond_proj_dim', [null], null);
  must('timestep_post_act', [null], null);
  must('time_embedding_dim', [null], null);
  must('time_embedding_act_fn', [null], null);
  must('projection_class_embeddings_input_dim', [null], null);
  must('dual_cross_attention', [false], false);
  must('mid_block_type', ['UNetMidBlock2DCrossAttn'], 'UNetMidBlock2DCrossAttn');
  must('act_fn', ['silu', 'swish'], 'silu');
  must('resnet_out_scale_factor', [1, 1.0], 1);
  must('attention_type', ['default'], 'default');
  must('cross_attention_norm', [null], null);
  must('class_embeddings_concat', [false], false);
  const oca = get<unknown>('only_cross_attention', false);
  if (oca === true || (Array.isArray(oca) && oca.some(Boolean))) throw unsupported(path, 'only_cross_attention', oca, 'false');
  const tl = get<unknown>('transformer_layers_per_block', 1);
  if ((typeof tl === 'number' && tl !== 1) || (Array.isArray(tl) && tl.some((x) => x !== 1))) throw unsupported(path, 'transformer_layers_per_block', tl, 'only 1');
  const groups = get<unknown>('norm_num_groups', 32);
  if (typeof groups !== 'number') throw unsupported(path, 'norm_num_groups', groups, 'a number');
  const down = get<string[]>('down_block_types', ['CrossAttnDownBlock2D', 'CrossAttnDownBlock2D', 'CrossAttnDownBlock2D', 'DownBlock2D']);
  const up = get<string[]>('up_block_types', ['UpBlock2D', 'CrossAttnUpBlock2D', 'CrossAttnUpBlock2D', 'CrossAttnUpBlock2D']);
  for (const t of down) if (t !== 'CrossAttnDownBlock2D' && t !== 'DownBlock2D') throw unsupported(path, 'down_block_types', t, 'CrossAttnDownBlock2D, DownBlock2D');
  for (const t of up) if (t !== 'CrossAttnUpBlock2D' && t !== 'UpBlock2D') throw unsupported(path, 'up_block_types', t, 'CrossAttnUpBlock2D, UpBlock2D');
  const boc = get<number[]>('block_out_channels', [320, 640, 1280, 1280]);
  if (down.length !== up.length || down.length !== boc.length) throw unsupported(path, 'block_out_channels', boc, 'one entry per down and up block');
  let heads = (c.num_attention_heads ?? c.attention_head_dim ?? 8) as number | number[];
  if (typeof heads === 'number') heads = new Array<number>(down.length).fill(heads);
  if (heads.length !== down.length) throw unsupported(path, 'attention_head_dim', heads, 'an int or one per block');
  boc.forEach((ch, i) => {
    if (ch % groups !== 0) throw unsupported(path, 'block_out_channels', boc, `each divisible by norm_num_groups=${groups}`);
    if (down[i] === 'CrossAttnDownBlock2D' && ch % (heads as number[])[i] !== 0) throw unsupported(path, 'attention_head_dim', heads, `block ${i} has ${ch} channels, not divisible into that many heads`);
  });
  const lpb = get<unknown>('layers_per_block', 2);
  if (typeof lpb !== 'number') throw unsupported(path, 'layers_per_block', lpb, 'one int');
  const cad = get<unknown>('cross_attention_dim', 1280);
  if (typeof cad !== 'number') throw unsupported(path, 'cross_attention_dim', cad, 'one int');
  return {
    className,
    inChannels: get('in_channels', 4),
    outChannels: get('out_channels', 4),
    flipSinToCos: get('flip_sin_to_cos', true),
    freqShift: get('freq_shift', 0),
    downBlockTypes: down as UNetConfig['downBlockTypes'],
    upBlockTypes: up as UNetConfig['upBlockTypes'],
    blockOutChannels: boc,
    layersPerBlock: lpb,
    downsamplePadding: get('downsample_padding', 1),
    midBlockScaleFactor: get('mid_block_scale_factor', 1),
    normNumGroups: groups,
    normEps: get('norm_eps', 1e-5),
    crossAttentionDim: cad,
    attentionHeads: heads,
    useLinearProjection: get('use_linear_projection', false),
    upcastAttention: get('upcast_attention', false),
    convInKernel: get('conv_in_kernel', 3),
    convOutKernel: get('conv_out_kernel', 3),
    centerInputSample: get('center_input_sample', false),
    numMetadata: get('use_metadata', false) ? get('num_metadata', 0) : 0,
  };
}

/** Channels of each SatDiFuser scale (s1 widest first): per up block, attn1 taps then conv2 taps. */
export function tapChannels(cfg: UNetConfig): number[] {
  const rev = [...cfg.blockOutChannels].reverse();
  const n = cfg.layersPerBlock + 1;
  return cfg.upBlockTypes.map((t, i) => rev[i] * n * (t === 'CrossAttnUpBlock2D' ? 2 : 1)).reverse();
}
