// `satdifuser models import-diffusionsat <folder>`: the public DiffusionSat release (diffusers layout: unet/ or
// checkpoint-*/unet/, vae/, text_encoder/, tokenizer/, scheduler/) → a backbone model folder. Everything is checked
// before anything is written (missing files, configs outside the supported family, tensor names and shapes against
// the configs, v- vs ε-prediction, component widths that disagree); then the weights SatDiFuser uses are copied
// (UNet without the metadata MLPs, VAE encoder + quant_conv), the prompt embedding is computed once by the
// checkpoint's own tokenizer and CLIP text encoder, and a card is written. The folder appears atomically.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { FileNotFoundError, InvalidArgumentError, SatError, throwIfCancelled } from '../../shared/errors';
import type { Graph } from '../nn/graph';
import { type TensorToWrite, writeSafetensors } from '../nn/weights/safetensors';
import type { TypedArray } from '../nn/dtype';
import type { WeightReader } from '../nn/weights/reader';
import { Tensor } from '../runtime';
import { buildClipTextGraph, parseClipConfig } from './clipGraph';
import { type DiffusersComponent, openComponent } from './diffusersFolder';
import { BACKBONE_FORMAT, userModelDir } from './modelStore';
import { readSchedulerFolder } from './extractFromLatent';
import { type BackboneJobOptions, backboneProviders } from './providers';
import { sessionFromGraph } from './sessionFromGraph';
import { ClipTokenizer } from './tokenizer';
import { buildUNetGraph } from './unetGraph';
import { parseUNetConfig, tapChannels } from './unetConfig';
import { buildVaeEncoderGraph, oldVaeAttentionName, parseVaeConfig } from './vaeGraph';
import { WeightSource } from './weightSource';

export const PROMPT = 'A satellite image';

/** `providers` apply to the CLIP text encoder, the one network the import runs. */
export interface ImportOptions extends BackboneJobOptions {
  readonly source: string;
  readonly name?: string;
  /** Model store root (default userModelDir()). */
  readonly store?: string;
  /** Accept an ε-prediction scheduler config (DiffusionSat is v-prediction). */
  readonly allowEpsilon?: boolean;
  readonly overwrite?: boolean;
}

/** Validates names and shapes only: never reads tensor data (a 3.5 GB UNet is checked in milliseconds). */
class ShapeCheck extends WeightSource {
  override get(): TypedArray | undefined {
    return undefined;
  }
}

function findUnet(src: string): string {
  if (existsSync(join(src, 'unet', 'config.json'))) return join(src, 'unet');
  const ckpts = existsSync(src)
    ? readdirSync(src).filter((d) => /^checkpoint-\d+$/.test(d) && existsSync(join(src, d, 'unet', 'config.json'))).sort((a, b) => Number(b.split('-')[1]) - Number(a.split('-')[1]))
    : [];
  return ckpts.length ? join(src, ckpts[0], 'unet') : join(src, 'unet');
}

function expectedNames(g: Graph): string[] {
  return [...g.params.keys()];
}

function sha256File(path: string): string {
  const h = createHash('sha256');
  const fd = openSync(path, 'r');
  const buf = Buffer.alloc(1 << 22);
  try {
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0;) h.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

export async function importDiffusionSat(o: ImportOptions): Promise<{ dir: string; card: Record<string, unknown> }> {
  const src = resolve(o.source);
  if (!existsSync(src) || !statSync(src).isDirectory()) throw new FileNotFoundError(src, 'DiffusionSat folder');
  const progress = o.onProgress ?? (() => undefined);
  // 1. Layout: report everything that is missing at once.
  const unetDir = findUnet(src);
  const parts = { unet: unetDir, vae: join(src, 'vae'), text_encoder: join(src, 'text_encoder'), tokenizer: join(src, 'tokenizer'), scheduler: join(src, 'scheduler') };
  const missing = Object.entries(parts).filter(([k, d]) => !existsSync(join(d, k === 'tokenizer' ? 'vocab.json' : k === 'scheduler' ? 'scheduler_config.json' : 'config.json'))).map(([k]) => k);
  if (missing.length) {
    throw new SatError('FILE_NOT_FOUND', `"${src}" is not a complete DiffusionSat release in diffusers layout: ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing.`, {
      hint: 'Expected unet/ (or checkpoint-<step>/unet/), vae/, text_encoder/, tokenizer/ (vocab.json, merges.txt) and scheduler/ (scheduler_config.json), as the Zenodo archives unpack.',
      details: { missing },
    });
  }
  progress('checking', 0, 4);
  const unet: DiffusersComponent = openComponent(parts.unet, 'UNet');
  const vae = openComponent(parts.vae, 'VAE');
  const text = openComponent(parts.text_encoder, 'text encoder');
  const ucfg = parseUNetConfig(unet.config, join(parts.unet, 'config.json'));
  const vcfg = parseVaeConfig(vae.config, join(parts.vae, 'config.json'));
  const ccfg = parseClipConfig(text.config, join(parts.text_encoder, 'config.json'));
  const sched = readSchedulerFolder(parts.scheduler);
  const prediction = sched.prediction_type ?? 'epsilon';
  if (prediction !== 'v_prediction' && !o.allowEpsilon) {
    throw new SatError('MODEL_MISMATCH', `The scheduler says prediction_type="${prediction}", but DiffusionSat (fine-tuned from the 768-px SD 2.1) predicts v.`, {
      hint: 'This is probably not the DiffusionSat release (e.g. an SD 2.1-base derivative) or its scheduler_config.json was replaced. Use the scheduler folder that came with the checkpoint, or pass --allow-epsilon to import an ε-prediction model deliberately.',
      details: { prediction_type: prediction },
    });
  }
  if (ucfg.crossAttentionDim !== ccfg.hiddenSize) throw new SatError('MODEL_MISMATCH', `The UNet attends to ${ucfg.crossAttentionDim}-wide text states but the text encoder produces ${ccfg.hiddenSize}.`, { hint: 'unet/ and text_encoder/ come from different models.' });
  if (ucfg.inChannels !== vcfg.latentChannels) throw new SatError('MODEL_MISMATCH', `The UNet takes ${ucfg.inChannels} latent channels but the VAE makes ${vcfg.latentChannels}.`, { hint: 'unet/ and vae/ come from different models.' });
  const tokenizer = ClipTokenizer.fromFolder(parts.tokenizer);
  if (tokenizer.maxLength > ccfg.maxPositions) throw new SatError('MODEL_MISMATCH', `The tokenizer pads to ${tokenizer.maxLength} tokens but the text encoder has ${ccfg.maxPositions} positions.`);

  const readers: WeightReader[] = [];
  const open = (c: DiffusersComponent) => {
    const r = c.open();
    readers.push(r);
    return r;
  };
  try {
    const ur = open(unet), vr = open(vae), tr = open(text);
    const align = 2 ** (ucfg.blockOutChannels.length - 1);
    const unetNames = expectedNames(buildUNetGraph(ucfg, new ShapeCheck(ur, (n) => n, `The UNet weights "${unet.weightsPath}"`), { height: align, width: align }));
    const vaeNames = expectedNames(buildVaeEncoderGraph(vcfg, new ShapeCheck(vr, oldVaeAttentionName, `The VAE weights "${vae.weightsPath}"`), { height: 2 ** (vcfg.blockOutChannels.length - 1), width: 2 ** (vcfg.blockOutChannels.length - 1) }));
    const clipGraph = () => buildClipTextGraph(ccfg, new WeightSource(tr, (n) => n, `The text encoder weights "${text.weightsPath}"`), { length: tokenizer.maxLength });
    buildClipTextGraph(ccfg, new ShapeCheck(tr, (n) => n, `The text encoder weights "${text.weightsPath}"`), { length: tokenizer.maxLength });
    const used = new Set(unetNames);
    const ignored = ur.list().map((t) => t.name).filter((n) => !used.has(n));
    const unexpected = ignored.filter((n) => !n.startsWith('metadata_embedding.'));
    if (unexpected.length) {
      throw new SatError('MODEL_MISMATCH', `The UNet checkpoint has ${unexpected.length} tensor(s) config.json does not explain, e.g. "${unexpected[0]}".`, {
        hint: 'config.json and the weights belong to different architectures (only DiffusionSat\'s metadata_embedding.* extras are expected).',
        details: { unexpected: unexpected.slice(0, 20) },
      });
    }
    progress('checking', 1, 4);
    throwIfCancelled(o.signal, 'The import');

    // 2. Write into a partial folder, rename at the end.
    const store = o.store ? resolve(o.store) : userModelDir();
    const name = o.name ?? basename(src).toLowerCase().replace(/[^a-z0-9._-]+/g, '-');
    if (!/^[a-z0-9][a-z0-9._-]*$/i.test(name)) throw new InvalidArgumentError(`"${name}" is not a usable model name.`, 'Use letters, digits, ".", "_" and "-" (--name).');
    const final = join(store, name);
    if (existsSync(final) && !o.overwrite) throw new InvalidArgumentError(`A model named "${name}" already exists in ${store}.`, 'Choose another --name, or pass --overwrite.');
    const partial = join(store, `.${name}.partial`);
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(join(partial, 'unet'), { recursive: true });
    mkdirSync(join(partial, 'vae'), { recursive: true });
    try {
      const total = [...unetNames.map((n) => ur.info(n)), ...vaeNames.map((n) => vr.info(vr.has(n) ? n : oldVaeAttentionName(n)))].reduce((a, t) => a + t.shape.reduce((x, y) => x * y, 1), 0);
      let done = 0;
      const copy = (r: WeightReader, names: string[], graphShape: (n: string) => readonly number[], rename: (n: string) => string): TensorToWrite[] =>
        names.map((n) => {
          const srcName = r.has(n) ? n : rename(n);
          const info = r.info(srcName);
          return {
            name: n, shape: graphShape(n), dtype: info.dtype,
            data: () => {
              throwIfCancelled(o.signal, 'The import');
              done += info.shape.reduce((x, y) => x * y, 1);
              progress('copying weights', done, total);
              return r.readBytes(srcName);
            },
          };
        });
      const ushape = (n: string) => ur.info(n).shape;
      writeFileSync(join(partial, 'unet', 'config.json'), JSON.stringify(unet.config, null, 2));
      writeSafetensors(join(partial, 'unet', 'diffusion_pytorch_model.safetensors'), copy(ur, unetNames, ushape, (n) => n), { format: 'pt', source: unet.weightsPath });
      const vg = buildVaeEncoderGraph(vcfg, new ShapeCheck(vr, oldVaeAttentionName), { height: 8, width: 8 });
      const vshape = (n: string) => vg.params.get(n)!.value.shape as number[];
      writeFileSync(join(partial, 'vae', 'config.json'), JSON.stringify(vae.config, null, 2));
      writeSafetensors(join(partial, 'vae', 'encoder.safetensors'), copy(vr, vaeNames, vshape, oldVaeAttentionName), { format: 'pt', source: vae.weightsPath });

      // 3. The prompt embedding, once, with the checkpoint's own text encoder.
      progress('prompt embedding', 2, 4);
      const ids = tokenizer.encode(PROMPT);
      const session = await sessionFromGraph(clipGraph(), { intraOpThreads: o.threads, label: 'the CLIP text encoder', providers: backboneProviders(o) });
      o.onProvider?.('the CLIP text encoder', session.provider);
      let pe: Float32Array;
      let peDims: number[];
      try {
        const r = await session.run({ input_ids: Tensor.of('int64', BigInt64Array.from(ids, (v) => BigInt(v)), [1, ids.length]) }, { signal: o.signal });
        pe = r.last_hidden_state.toFloat32();
        peDims = [...r.last_hidden_state.dims];
      } finally {
        await session.release();
      }
      writeSafetensors(join(partial, 'prompt_embedding.safetensors'), [{ name: 'encoder_hidden_states', shape: peDims, data: pe }], { prompt: PROMPT });

      // 4. The card.
      progress('card', 3, 4);
      const params = unetNames.reduce((a, n) => a + ur.info(n).shape.reduce((x, y) => x * y, 1), 0);
      const card: Record<string, unknown> = {
        format: BACKBONE_FORMAT,
        name,
        family: 'DiffusionSat (SD 2.1 architecture, fine-tuned on satellite imagery)',
        imported_from: src,
        imported_at: new Date().toISOString(),
        source_unet_sha256: sha256File(unet.weightsPath),
        licence: 'Weights derive from Stable Diffusion 2.1 (CreativeML OpenRAIL++-M); check the DiffusionSat release terms before redistributing.',
        unet: { config: 'unet/config.json', weights: 'unet/diffusion_pytorch_model.safetensors', dtype: ur.info(unetNames[0]).dtype, parameters: params, class_name: ucfg.className, ignored_tensors: ignored.length, tap_channels: tapChannels(ucfg) },
        autoencoder: { _class_name: 'AutoencoderKL', config: 'vae/config.json', encoder: 'vae/encoder.safetensors', scaling_factor: vcfg.scalingFactor, input_range: [-1, 1], latent_channels: vcfg.latentChannels, downscale: 2 ** (vcfg.blockOutChannels.length - 1) },
        prompt_embedding: { file: 'prompt_embedding.safetensors', key: 'encoder_hidden_states', shape: peDims, prompt: PROMPT, token_ids: Array.from(ids) },
        scheduler: sched,
        prediction_type: prediction,
        satdifuser: {
          save_labels: [47, 45, 40], timesteps: [21, 61, 161], inversion_steps: 50,
          notes: [
            'The UNet output is used as ε in the DDIM inversion update, as the released SatDiFuser code does, although DiffusionSat predicts v.',
            'latent = VAE posterior mean × scaling factor (the release samples the posterior with a seeded generator).',
            'Metadata conditioning is omitted (SatDiFuser builds the UNet with use_metadata=False).',
          ],
        },
      };
      writeFileSync(join(partial, 'backbone.json'), JSON.stringify(card, null, 1));
      writeFileSync(join(partial, 'model_card.md'), modelCard(card));
      if (existsSync(final)) rmSync(final, { recursive: true, force: true });
      renameSync(partial, final);
      progress('done', 4, 4);
      return { dir: final, card };
    } catch (e) {
      rmSync(partial, { recursive: true, force: true });
      throw e;
    }
  } finally {
    for (const r of readers) r.close();
  }
}

function modelCard(c: Record<string, unknown>): string {
  const u = c.unet as Record<string, unknown>;
  const s = c.satdifuser as { notes: string[] };
  return `# ${String(c.name)}

${String(c.family)}, imported by SatDiFuser Studio from \`${String(c.imported_from)}\` on ${String(c.imported_at)}.

- UNet: ${String(u.class_name)}, ${Number(u.parameters).toLocaleString('en')} parameters (${String(u.dtype)}); ${String(u.ignored_tensors)} metadata tensors ignored.
- Autoencoder: AutoencoderKL encoder + quant_conv, scaling factor ${String((c.autoencoder as Record<string, unknown>).scaling_factor)}, pixels in [−1, 1].
- Prompt embedding: "${PROMPT}", computed once at import by the checkpoint's CLIP text encoder.
- Scheduler prediction type: ${String(c.prediction_type)}.
- Source UNet SHA-256: ${String(c.source_unet_sha256)}
- Licence: ${String(c.licence)}

## How SatDiFuser uses it
${s.notes.map((n) => `- ${n}`).join('\n')}
- Features: taps of the inversion calls labelled 47, 45, 40 (t = 21, 61, 161).
`;
}
