import { InvalidArgumentError } from '../../shared/errors';
import { importDiffusionSat } from '../../engine/backbone/importDiffusionSat';
import { listModels, userModelDir } from '../../engine/backbone/modelStore';
import type { CliCommand } from '../command';
import { createProgress } from '../progress';
import { describeBuildProviders } from '../../engine/runtime';
import { intFlag, parseArgs } from './models/args';
import { PROVIDER_USAGE, providerOption } from './models/provider';

const usage = `Usage:
  satdifuser models list
  satdifuser models providers
  satdifuser models import-diffusionsat <folder> [--name NAME] [--store DIR] [--overwrite] [--allow-epsilon] [--threads N]
                                        [--provider P]

import-diffusionsat reads the public DiffusionSat release in diffusers layout (unet/ or checkpoint-*/unet/, vae/,
text_encoder/, tokenizer/, scheduler/), checks it, stores the weights SatDiFuser uses, computes the embedding of
"A satellite image" with the checkpoint's CLIP text encoder, and writes a model card. Models go to --store
(default $SATDIFUSER_MODELS or ~/.local/share/satdifuser/models) and are then usable as
\`satdifuser features --backbone NAME\`. \`providers\` lists the execution providers this onnxruntime-node build offers
(\`list\` ends with the same line).

  ${PROVIDER_USAGE}`;

export const command: CliCommand = {
  name: 'models',
  summary: 'List backbone models, import DiffusionSat',
  usage,
  async run(args, ctx) {
    const [sub, ...rest] = args;
    if (sub === 'list') {
      const models = listModels();
      if (!models.length) ctx.stdout.write(`No backbone models (user store: ${userModelDir()}).\n`);
      for (const m of models) ctx.stdout.write(`${m.name.padEnd(32)} ${m.source.padEnd(8)} ${m.dir}\n`);
      ctx.stdout.write(`execution providers: ${describeBuildProviders()}\n`);
      return 0;
    }
    if (sub === 'providers') {
      if (rest.length) throw new InvalidArgumentError('models providers takes no arguments.', usage);
      const { buildProviders } = await import('../../engine/runtime');
      for (const b of buildProviders()) ctx.stdout.write(`${b.name.padEnd(10)} ${b.bundled ? 'bundled' : b.installed ? 'installed' : 'in the build, library not installed (ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node)'}\n`);
      ctx.stdout.write(`default for the backbone: ${process.env.SATDIFUSER_PROVIDER ? `${process.env.SATDIFUSER_PROVIDER} (SATDIFUSER_PROVIDER), falling back to cpu` : 'cpu'}; choose with --provider\n`);
      return 0;
    }
    if (sub === 'import-diffusionsat') {
      const p = parseArgs(rest, ['name', 'store', 'threads', 'provider'], ['overwrite', 'allow-epsilon'], usage);
      const provider = providerOption(p, ctx.stderr);
      if (p.positional.length !== 1) throw new InvalidArgumentError('import-diffusionsat takes exactly one folder.', usage);
      const bar = createProgress('import', ctx.stderr);
      let stage = '';
      const res = await importDiffusionSat({
        source: p.positional[0], name: p.flags.get('name'), store: p.flags.get('store'), overwrite: p.bools.has('overwrite'),
        allowEpsilon: p.bools.has('allow-epsilon'), threads: intFlag(p, 'threads', 0, 0) || undefined, ...provider, signal: ctx.signal,
        onProgress: (s, done, total) => {
          if (s !== stage) stage = s;
          bar.update({ done, total, unit: s === 'copying weights' ? 'values' : 'steps', message: s });
        },
      });
      bar.finish(`model "${String(res.card.name)}" in ${res.dir}`);
      ctx.stdout.write(`${res.dir}\n`);
      return 0;
    }
    throw new InvalidArgumentError(sub ? `Unknown models subcommand "${sub}".` : 'models needs a subcommand.', usage);
  },
};
