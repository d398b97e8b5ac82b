#!/usr/bin/env python3
"""Validate a trained model folder (the 8 files of finish.py), measure it, install it under models/<name>/ and write
its model_card.md.

    /usr/bin/python3 tools/train_backbone/make_card.py --model tools/train_backbone/work/cpu/model \
        --to models/satdifuser-tiny --trained-on "this 2-core CPU, one thread" --notes notes.md

Validation loads everything the way the app does: the UNet strictly from config.json + safetensors (diffusers keys),
the autoencoder from backbone.json's layer specs, the prompt embedding's shape against cross_attention_dim.
Measurements: our autoencoder's and TAEF2's PSNR on the same Dubai tile-6 crops (from the pack), parameters and
GFLOP per call, the loss curve's first and last validation points."""
from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pyldm.safetensors_io import load_file  # noqa: E402
from pyldm.tae import conv_flops, count_parameters, load_taef2  # noqa: E402
from pyldm.unet import from_pretrained  # noqa: E402
from train_backbone.cost import unet_flops  # noqa: E402
from train_backbone.data import ScenePack  # noqa: E402
from train_backbone.gpu_main import load_shipped_tae  # noqa: E402
from train_backbone.train_tae import evaluate_psnr  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
FILES = ['backbone.json', 'config.json', 'diffusion_pytorch_model.safetensors', 'loss.csv', 'prompt_embedding.safetensors',
         'samples.png', 'tae_decoder.safetensors', 'tae_encoder.safetensors']


def validate(folder: Path) -> dict:
    missing = [f for f in FILES if not (folder / f).exists()]
    if missing:
        sys.exit(f'{folder} lacks {", ".join(missing)}')
    unet = from_pretrained(str(folder))
    tae, tae_info = load_shipped_tae(folder)
    card = json.loads((folder / 'backbone.json').read_text())
    prompt, _ = load_file(folder / card['prompt_embedding']['file'])
    shape = tuple(prompt[card['prompt_embedding']['key']].shape)
    if shape != (1, 77, unet.config.cross_attention_dim):
        sys.exit(f'prompt embedding shape {shape} does not fit cross_attention_dim {unet.config.cross_attention_dim}')
    with torch.no_grad():
        z = tae.encode(torch.rand(1, 3, 256, 256)) * tae_info['scaling_factor']
        out = unet(z, torch.tensor([-1.0]), prompt[card['prompt_embedding']['key']])
    if not torch.isfinite(out).all():
        sys.exit('the UNet produces non-finite output')
    return {'unet': unet, 'tae': tae, 'tae_info': tae_info, 'card': card}


def loss_summary(path: Path) -> dict:
    with open(path, newline='') as f:
        rows = list(csv.DictReader(f))
    tae_val = [(int(r['step']), float(r['val_psnr_db'])) for r in rows if r['stage'] == 'tae' and r.get('val_psnr_db')]
    unet_val = [(int(r['step']), float(r['val_loss_ema'])) for r in rows if r['stage'] == 'unet' and r.get('val_loss_ema')]
    unet_train = [float(r['loss']) for r in rows if r['stage'] == 'unet' and r.get('loss')]
    return {'tae_val': tae_val, 'unet_val': unet_val, 'unet_train_last': float(np.mean(unet_train[-10:])) if unet_train else None,
            'unet_train_first': float(np.mean(unet_train[:10])) if unet_train else None}


def milestones(points: list, n: int = 12) -> list:
    """At most n of the (step, value) points, spread evenly over the steps, first and last always kept: a run of
    tens of thousands of steps logs a validation row every 200, too many to quote in a sentence."""
    if len(points) <= n:
        return list(points)
    first, last = points[0][0], points[-1][0]
    picked = []
    for k in range(n):
        target = first + (last - first) * k / (n - 1)
        best = min(points, key=lambda p: (abs(p[0] - target), p[0]))
        if not picked or picked[-1] != best:
            picked.append(best)
    return picked


def fmt_params(n: int) -> str:
    return f'{n / 1e6:.2f} M'


def write_card(to: Path, m: dict, psnr: dict, losses: dict, trained_on: str, notes: str, extraction: str = '') -> None:
    unet, tae, info, card = m['unet'], m['tae'], m['tae_info'], m['card']
    cfg = json.loads((to / 'config.json').read_text())
    tr = card.get('training', {})
    ta, un = tr.get('autoencoder', {}), tr.get('unet', {})
    unet_mib = (to / 'diffusion_pytorch_model.safetensors').stat().st_size / 2**20
    total_mib = sum((to / f).stat().st_size for f in FILES) / 2**20
    gf_unet = unet_flops(unet, 32) / 1e9
    gf_enc = conv_flops(tae.encoder, 256, 256) / 1e9
    tv, uv = losses['tae_val'], losses['unet_val']
    per_crop = ''.join(f'| {n} | {a:.2f} | {b:.2f} |\n' for n, a, b in zip(psnr['names'], psnr['ours'], psnr['taef2'])) if psnr.get('taef2') else ''
    text = f"""# {card.get('name', to.name)}: the default backbone

A small latent diffusion model with DiffusionSat's architecture (SD 2.1 family: v-prediction, scaled_linear schedule,
CrossAttnDown ×3 + Down, cross-attention mid block, Up + CrossAttnUp ×3, the 21 SatDiFuser taps), trained by this
project on real aerial and satellite imagery, on the latent space of a tiny TAESD-style autoencoder trained first.
It is the backbone the app uses on a fresh machine; real DiffusionSat can be imported instead.

**Trained on {trained_on}.** {un.get('steps', '?')} UNet steps of batch {un.get('batch', '?')} at {un.get('crop', '?')}² crops
({un.get('seconds', 0) / 60:.0f} min) after {ta.get('steps', '?')} autoencoder steps of batch {ta.get('batch', '?')} at {ta.get('crop', '?')}²
({ta.get('seconds', 0) / 60:.0f} min). How to build and train it: `docs/default-backbone.md`.

## Architecture and cost

| part | |
|---|---|
| UNet | diffusers `UNet2DConditionModel`, block_out_channels {cfg['block_out_channels']}, heads {cfg['attention_head_dim']} ({cfg['block_out_channels'][0] // cfg['attention_head_dim'][0]} wide), layers_per_block {cfg['layers_per_block']}, cross_attention_dim {cfg['cross_attention_dim']}, in/out 32, linear projections, GEGLU, flip_sin_to_cos |
| UNet size | {fmt_params(count_parameters(unet))} parameters, {unet_mib:.1f} MiB fp16 |
| UNet cost | {gf_unet:.2f} GFLOP per call at a 32² latent (256² tile); 10 calls per tile for SatDiFuser's inversion |
| taps at 256² | s1 {6 * cfg['block_out_channels'][0]}×32², s2 {6 * cfg['block_out_channels'][1]}×16², s3 {6 * cfg['block_out_channels'][2]}×8², s4 {3 * cfg['block_out_channels'][3]}×4² |
| autoencoder | TAESD-style, RGB [0, 1] → 32 channels at 1/8; encoder {fmt_params(count_parameters(tae.encoder))} parameters, {gf_enc:.2f} GFLOP per 256² tile (nothing at full resolution); decoder {fmt_params(count_parameters(tae.decoder))} |
| latent scale | raw latent std {info['latent_std']:.4f} (mean {info['latent_mean']:.4f}) → `scaling_factor` {info['scaling_factor']:.5f} |
| conditioning | a learned (1, 77, {cfg['cross_attention_dim']}) embedding standing for "A satellite image" (`prompt_embedding.safetensors`); no metadata |
| scheduler | DDIM, 1000 steps, scaled_linear 0.00085 → 0.012, v_prediction, steps_offset 1 |
| extraction | encoder + 10 UNet calls = {gf_enc + 10 * gf_unet:.1f} GFLOP per 256² tile{'; measured: ' + extraction if extraction else ''} |
| files | {total_mib:.1f} MiB in all |

## Data and licences

Read from `../shared/data` at training time (never copied into the project); only the weights derive from it.

| source | use | licence |
|---|---|---|
| NAIP, North Dakota, 10 dates 2009–2020 (R, G, B) | training | US public domain (USDA FSA) |
| Landsat 7 ETM+ `stars_L7_ETMs.tif` (B3, B2, B1, 2–98 % stretch) and `rasterio_RGB.byte.tif` | training | US public domain (Landsat); packages Apache-2.0 / BSD-3-Clause |
| SpaceNet-like panchromatic scene, Atlanta (grey RGB, 1–99 % stretch) via CosmiQ/solaris | training | CC BY-SA 4.0 (imagery), Apache-2.0 (repository); attributed here |
| Chesapeake Land Cover, 5 GEO-Bench samples (R, G, B) | training | open data; GEO-Bench Apache-2.0 |
| Dubai aerial imagery (Humans in the Loop / MBRSC), tiles 1–5 | training | CC0 1.0 |
| Dubai tile 6 | validation only (18 fixed 256² crops) | CC0 1.0 |
| QGIS training data orthophoto (Swellendam) | **not used** | GPL-2.0: unclear whether weights are a "work based on" it; excluded (see docs/default-backbone.md) |

## Autoencoder quality (Dubai tile 6, 18 crops of 256², never trained on)

| autoencoder | PSNR (mean over crops) | encoder GFLOP (256²) |
|---|---|---|
| ours | **{psnr['ours_mean']:.2f} dB** | {gf_enc:.1f} |
| TAEF2 (FLUX.2 latent space, distilled by madebyollin; yardstick, not shipped) | {psnr.get('taef2_mean', float('nan')):.2f} dB | 30.8 |

Validation PSNR during training: {', '.join(f'step {s}: {v:.2f} dB' for s, v in tv)}.

<details><summary>per crop</summary>

| crop | ours (dB) | TAEF2 (dB) |
|---|---|---|
{per_crop}
</details>

## Diffusion training

Loss: min-SNR-5-weighted v-MSE. Validation: the same loss on the Dubai tile-6 latents at 8 fixed timesteps with fixed
noise, EMA weights: {uv[0][1]:.4f} untrained → {uv[-1][1]:.4f} after {uv[-1][0]} steps
({', '.join(f'{s}: {v:.4f}' for s, v in milestones(uv))}). Training loss (mean of 10 log points): {losses['unet_train_first']:.4f} first → {losses['unet_train_last']:.4f} last.
Full curves: `loss.csv`.

## Samples

![DDIM samples](samples.png)

`samples.png`: rows 1–2 are DDIM-50 samples from pure noise (v-prediction, the EMA weights, the learned prompt
embedding), decoded by our decoder; row 3 real training crops; row 4 our autoencoder's reconstructions of them.

{notes}

## Feature quality (new weights: rerun the heads' evaluation and fill this in)

On Dubai tile 6, trained on tiles 1–5, same head and training budget (`tools/datasets/evalTable.ts`, see docs/heads.md):

| features | mIoU (%) | command |
|---|---|---|
| (a) this backbone | | |
| (b) the same architecture, randomly initialised | | |
| (c) raw pixels through the same head | | |
"""
    (to / 'model_card.md').write_text(text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--model', required=True)
    ap.add_argument('--to', required=True)
    ap.add_argument('--pack', default=str(REPO / 'tools/train_backbone/work/pack.npz'))
    ap.add_argument('--taesd', default=str(REPO.parent / 'shared/models/taesd'))
    ap.add_argument('--trained-on', required=True)
    ap.add_argument('--notes', help='markdown file: what the sample grid shows, what to change next')
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--extraction', default='', help='measured extraction time to quote (from time_extraction.ts)')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    src, to = Path(args.model), Path(args.to)
    m = validate(src)
    pack = ScenePack(args.pack)
    val = pack.val_tensor()
    psnr = {'names': pack.manifest['val']['names'], 'ours': evaluate_psnr(m['tae'], val, torch.device('cpu'))}
    psnr['ours_mean'] = float(np.mean(psnr['ours']))
    if Path(args.taesd, 'taef2_encoder.pth').exists():
        psnr['taef2'] = evaluate_psnr(load_taef2(args.taesd), val, torch.device('cpu'))
        psnr['taef2_mean'] = float(np.mean(psnr['taef2']))
    print(json.dumps({k: v for k, v in psnr.items() if k.endswith('mean')}))
    to.mkdir(parents=True, exist_ok=True)
    for f in FILES:
        if src.resolve() != to.resolve():
            shutil.copyfile(src / f, to / f)
    notes = Path(args.notes).read_text() if args.notes else ''
    write_card(to, m, psnr, loss_summary(to / 'loss.csv'), args.trained_on, notes, args.extraction)
    print(f'installed {to} ({sum((to / f).stat().st_size for f in FILES) / 2**20:.1f} MiB) with model_card.md')


if __name__ == '__main__':
    main()
