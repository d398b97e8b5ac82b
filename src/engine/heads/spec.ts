// What a head is: task, fusion, widths and the feature layout it consumes. Everything a graph builder needs, as
// plain JSON (it is stored in the head's card, so a saved head rebuilds exactly).
import { InvalidArgumentError } from '../../shared/errors';

export type HeadTaskName = 'seg' | 'cls';
export type FusionName = 'gw' | 'lw' | 'moe' | 'concat';
export type HeadSizeName = 'faithful' | 'light';

export const FUSIONS: readonly FusionName[] = ['gw', 'lw', 'moe', 'concat'];
export const SIZES: readonly HeadSizeName[] = ['faithful', 'light'];

/** One feature tap: e.g. `attn1_0` (self-attention output) or `conv2_2` (resnet residual branch), with its width. */
export interface TapInfo {
  readonly name: string;
  readonly channels: number;
}

/** One scale of the feature pyramid: its side at the backbone's tile size and its taps in channel order. */
export interface ScaleInfo {
  readonly size: number;
  readonly taps: readonly TapInfo[];
}

/**
 * The features a backbone delivers per tile: for each timestep (release labels in fusion order, i.e. descending
 * label = increasing noise: 47, 45, 40) and each scale (widest first) one tensor [C_s, H_s, W_s] named
 * `t<label>_s<k>` (k = 1…4) whose channels are the scale's taps concatenated in order.
 */
export interface TapLayout {
  readonly timesteps: readonly number[];
  readonly scales: readonly ScaleInfo[];
  /** Tile side in pixels the layout's sizes refer to. */
  readonly tileSize: number;
}

export const featureName = (timestep: number, scaleIndex: number) => `t${timestep}_s${scaleIndex + 1}`;
export const scaleChannels = (s: ScaleInfo) => s.taps.reduce((n, t) => n + t.channels, 0);

export interface Widths {
  /** P: the fused width (Φ output). */
  readonly projection: number;
  /** Φ's bottleneck width (P/4 in the release). */
  readonly bottleneck: number;
  readonly normGroups: number;
  /** UPerNet channels. */
  readonly decoderChannels: number;
}

/**
 * faithful: the release's widths (P 384, bottleneck 96, GroupNorm 32, UPerNet 512).
 * light: P 128, bottleneck 32, GroupNorm 16, UPerNet 64. A training step's cost is dominated by UPerNet's 3×3
 * convs at the finest scale (the fuse conv is 4·D → D, ∝ D²) and by Φ on the finest taps (∝ P): measured on this
 * 2-core CPU, D 128 → 64 halves a light step, while P below 128 gains little (bench/heads.ts prints the figures).
 * 16 groups keep two channels per group in the 32-wide bottleneck (32 groups would turn GroupNorm into instance
 * norm, which on the 4×4 coarsest map normalises over 16 values).
 */
export const SIZE_PRESETS: Readonly<Record<HeadSizeName, Widths>> = {
  faithful: { projection: 384, bottleneck: 96, normGroups: 32, decoderChannels: 512 },
  light: { projection: 128, bottleneck: 32, normGroups: 16, decoderChannels: 64 },
};

/** The paper's ablation baselines, as a selection applied to the features before fusion. */
export interface FeatureSelection {
  /** Timestep labels to keep (default all). */
  readonly timesteps?: readonly number[];
  /** Tap kind to keep: `attn1` (self-attention) or `conv2` (resnet); scales without such taps keep all theirs. */
  readonly tapKind?: 'attn1' | 'conv2';
}

export interface HeadSpec {
  readonly task: HeadTaskName;
  readonly fusion: FusionName;
  readonly size: HeadSizeName;
  /** The layout of the features the head is fed (the backbone's full layout; see `selection`). */
  readonly layout: TapLayout;
  readonly widths: Widths;
  readonly numClasses: number;
  readonly poolScales: readonly number[];
  readonly numExperts: number;
  readonly topK: number;
  /** MoE: training steps with dense routing before top-k: the release's 500 (seg) / 300 (cls) forward counts, which
   * tick once per timestep, as iterations (÷ T). */
  readonly moeWarmupSteps: number;
  readonly dropout: number;
  readonly selection?: FeatureSelection;
}

export function makeSpec(o: {
  task: HeadTaskName; fusion: FusionName; size: HeadSizeName; layout: TapLayout; numClasses: number;
  selection?: FeatureSelection; widths?: Partial<Widths>; numExperts?: number; topK?: number; moeWarmupSteps?: number;
}): HeadSpec {
  if (!FUSIONS.includes(o.fusion)) throw new InvalidArgumentError(`Unknown fusion "${o.fusion}".`, `Use one of ${FUSIONS.join(', ')}.`);
  if (!SIZES.includes(o.size)) throw new InvalidArgumentError(`Unknown head size "${o.size}".`, `Use one of ${SIZES.join(', ')}.`);
  if (!(Number.isInteger(o.numClasses) && o.numClasses >= 2 && o.numClasses <= 254)) {
    throw new InvalidArgumentError(`A head needs 2 to 254 classes, got ${o.numClasses}.`, 'Label at least two classes.');
  }
  const widths = { ...SIZE_PRESETS[o.size], ...o.widths };
  for (const [k, v] of [['projection', widths.projection], ['bottleneck', widths.bottleneck]] as const) {
    if (v % widths.normGroups !== 0) throw new InvalidArgumentError(`${k} width ${v} is not a multiple of the ${widths.normGroups} GroupNorm groups.`);
  }
  validateLayout(o.layout);
  if (o.selection) validateLayout(selectLayout(o.layout, o.selection));
  return {
    task: o.task, fusion: o.fusion, size: o.size, layout: o.layout, widths, numClasses: o.numClasses,
    poolScales: [1, 2, 3, 6], numExperts: o.numExperts ?? 8, topK: o.topK ?? 2,
    moeWarmupSteps: o.moeWarmupSteps ?? Math.ceil((o.task === 'seg' ? 500 : 300) / (o.selection?.timesteps ?? o.layout.timesteps).length), dropout: 0.1, selection: o.selection,
  };
}

export function validateLayout(l: TapLayout): void {
  if (l.timesteps.length === 0) throw new InvalidArgumentError('The feature layout has no timesteps.');
  if (l.scales.length < 2) throw new InvalidArgumentError(`The feature layout has ${l.scales.length} scale(s); the decoders need at least 2.`);
  l.scales.forEach((s, i) => {
    if (s.taps.length === 0) throw new InvalidArgumentError(`Scale ${i + 1} of the feature layout has no taps.`);
    if (i > 0 && s.size > l.scales[i - 1]!.size) throw new InvalidArgumentError('Feature scales must be listed widest first.');
  });
}

/**
 * The layout seen by a baseline head. Selection happens in the graph (a Slice of the full feature tensors), so the
 * same cached features serve every baseline.
 */
export function selectLayout(l: TapLayout, sel: FeatureSelection): TapLayout {
  const timesteps = sel.timesteps ?? l.timesteps;
  for (const t of timesteps) if (!l.timesteps.includes(t)) throw new InvalidArgumentError(`Timestep ${t} is not among the backbone's (${l.timesteps.join(', ')}).`);
  const scales = l.scales.map((s) => {
    if (!sel.tapKind) return s;
    const kept = s.taps.filter((t) => t.name.startsWith(sel.tapKind!));
    return { size: s.size, taps: kept.length > 0 ? kept : s.taps };
  });
  return { timesteps: [...timesteps], scales, tileSize: l.tileSize };
}

/** The DiffusionSat layout at a given latent side h (h = tile/8): 21 taps per timestep (method.md §2.5). */
export function diffusionSatLayout(widths: readonly [number, number, number, number], tileSize: number, timesteps: readonly number[] = [47, 45, 40]): TapLayout {
  const h = tileSize / 8;
  const six = (c: number) => [...[0, 1, 2].map((j) => ({ name: `attn1_${j}`, channels: c })), ...[0, 1, 2].map((j) => ({ name: `conv2_${j}`, channels: c }))];
  return {
    timesteps: [...timesteps],
    tileSize,
    scales: [
      { size: h, taps: six(widths[0]) },
      { size: h / 2, taps: six(widths[1]) },
      { size: h / 4, taps: six(widths[2]) },
      { size: h / 8, taps: [0, 1, 2].map((j) => ({ name: `conv2_${j}`, channels: widths[3] })) },
    ],
  };
}

/** The taps and timesteps the fusion actually consumes. */
export const fusedLayout = (spec: HeadSpec): TapLayout => (spec.selection ? selectLayout(spec.layout, spec.selection) : spec.layout);
