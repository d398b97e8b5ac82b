// The `features --unet …` path: a diffusers UNet folder + scheduler folder + latent + prompt embedding → the taps
// of the SatDiFuser inversion, exactly the computation the release runs after encoding (no autoencoder).
import { join } from 'node:path';
import { InvalidArgumentError, SatError } from '../../shared/errors';
import { type BackboneJobOptions, backboneProviders } from './providers';
import { openComponent, readJson } from './diffusersFolder';
import { type TapSet, invertAndTap } from './inversion';
import { type SchedulerConfig, inversionSteps } from './schedule';
import { sessionFromGraph } from './sessionFromGraph';
import { buildUNetGraph } from './unetGraph';
import { parseUNetConfig } from './unetConfig';
import { WeightSource } from './weightSource';

export interface LatentExtraction extends BackboneJobOptions {
  readonly unetDir: string;
  readonly schedulerDir: string;
  readonly latent: { data: Float32Array; shape: readonly number[] };
  readonly promptEmbedding: { data: Float32Array; shape: readonly number[] };
  readonly saveLabels?: readonly number[];
}

export function readSchedulerFolder(dir: string): SchedulerConfig {
  const cfg = readJson(join(dir, 'scheduler_config.json'), 'scheduler config') as SchedulerConfig;
  const cls = cfg._class_name ?? 'DDIMScheduler';
  if (cls !== 'DDIMScheduler') {
    throw new SatError('MODEL_MISMATCH', `The scheduler in "${dir}" is a ${cls}; SatDiFuser's inversion walks the DDIMScheduler grid.`, {
      hint: 'Use a DDIMScheduler scheduler_config.json (DiffusionSat ships Stable Diffusion 2.1\'s: scaled_linear, steps_offset 1).',
      details: { dir, class: cls },
    });
  }
  if ((cfg as Record<string, unknown>).rescale_betas_zero_snr) {
    throw new SatError('MODEL_MISMATCH', `The scheduler in "${dir}" rescales betas to zero terminal SNR, which SatDiFuser's inversion does not model.`, { hint: 'Use the scheduler_config.json the checkpoint was trained with (rescale_betas_zero_snr: false).' });
  }
  return cfg;
}

export async function extractFromLatent(o: LatentExtraction): Promise<TapSet[]> {
  const sched = readSchedulerFolder(o.schedulerDir);
  const comp = openComponent(o.unetDir, 'UNet');
  const cfg = parseUNetConfig(comp.config, join(o.unetDir, 'config.json'));
  const [b, c, h, w] = o.latent.shape;
  if (o.latent.shape.length !== 4 || c !== cfg.inChannels) {
    throw new InvalidArgumentError(`The latent has shape [${o.latent.shape.join(', ')}]; this UNet needs [B, ${cfg.inChannels}, h, w].`, 'Pass a float32 NCHW latent (already multiplied by the scaling factor).');
  }
  const pe = o.promptEmbedding.shape;
  if (pe.length !== 3 || pe[2] !== cfg.crossAttentionDim || (pe[0] !== 1 && pe[0] !== b)) {
    throw new InvalidArgumentError(`The prompt embedding has shape [${pe.join(', ')}]; this UNet needs [1, 77, ${cfg.crossAttentionDim}] (or one per latent).`);
  }
  o.onProgress?.('building the UNet graph', 0, 1);
  const reader = comp.open();
  let g: ReturnType<typeof buildUNetGraph>;
  try {
    const ws = new WeightSource(reader, (n) => n, `The UNet weights "${comp.weightsPath}"`);
    g = buildUNetGraph(cfg, ws, { height: h, width: w });
  } finally {
    reader.close();
  }
  const session = await sessionFromGraph(g, { intraOpThreads: o.threads, label: 'the UNet', providers: backboneProviders(o) });
  o.onProvider?.('the UNet', session.provider);
  try {
    const steps = inversionSteps(sched, o.saveLabels ?? [47, 45, 40]);
    return await invertAndTap(session, o.latent.data, o.latent.shape, {
      steps,
      saveLabels: o.saveLabels ?? [47, 45, 40],
      promptEmbedding: { data: o.promptEmbedding.data, dims: pe },
      signal: o.signal,
      onStep: (d, t) => o.onProgress?.('UNet calls', d, t),
    });
  } finally {
    await session.release();
  }
}
