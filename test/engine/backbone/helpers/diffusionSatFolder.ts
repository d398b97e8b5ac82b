// A reduced DiffusionSat release in diffusers layout (the golden configs: DiffusionSat-256 structure at small
// widths), weights from detWeights, in safetensors or torch .bin form; the VAE uses the old attention names as
// diffusers 0.17 checkpoints do.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { oldVaeAttentionName } from '../../../../src/engine/backbone/vaeGraph';
import { detTensor, writeDetComponent } from './detWeights';
import { goldenDir, manifest } from './golden';
import { torchSave } from './torchSave';

export function writeDiffusionSatFolder(root: string, form: 'safetensors' | 'bin', o: { checkpointLayout?: boolean; scheduler?: Record<string, unknown>; unetConfig?: Record<string, unknown> } = {}): string {
  const unetDir = o.checkpointLayout ? join(root, 'checkpoint-150000', 'unet') : join(root, 'unet');
  const comp = (dir: string, config: object, params: [string, number[]][], file: string, rename?: (n: string) => string) => {
    if (form === 'safetensors') return writeDetComponent(dir, config, params, { file: `${file}.safetensors`, rename });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    torchSave(join(dir, `${file === 'model' ? 'pytorch_model' : file}.bin`), params.map(([n, s]) => ({ name: rename ? rename(n) : n, shape: s, data: detTensor(n, s) })));
  };
  comp(unetDir, o.unetConfig ?? manifest.unet_config, manifest.params.unet, 'diffusion_pytorch_model');
  comp(join(root, 'vae'), manifest.vae_config, manifest.params.vae, 'diffusion_pytorch_model', oldVaeAttentionName);
  comp(join(root, 'text_encoder'), manifest.clip_config, manifest.params.clip, 'model');
  mkdirSync(join(root, 'tokenizer'), { recursive: true });
  for (const f of ['vocab.json', 'merges.txt', 'special_tokens_map.json', 'tokenizer_config.json']) copyFileSync(join(goldenDir, 'tokenizer', f), join(root, 'tokenizer', f));
  mkdirSync(join(root, 'scheduler'), { recursive: true });
  writeFileSync(join(root, 'scheduler', 'scheduler_config.json'), JSON.stringify(o.scheduler ?? manifest.scheduler_config));
  return root;
}
