"""Writes a trained backbone as the model folder the app loads (at most 8 files, so the GPU run can return it whole):

    config.json                          diffusers UNet2DConditionModel config
    diffusion_pytorch_model.safetensors  UNet (EMA) weights, fp16, diffusers key names
    tae_encoder.safetensors              autoencoder encoder, fp16, keys = Sequential indices (TAESD layout)
    tae_decoder.safetensors              autoencoder decoder, fp16
    prompt_embedding.safetensors         encoder_hidden_states (1, 77, cross_attention_dim) fp32
    backbone.json                        autoencoder layers + scaling factor, scheduler, prompt, training summary
    loss.csv                             both stages' loss curves
    samples.png                          DDIM-50 samples from pure noise beside real crops and their reconstructions
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

from pyldm.safetensors_io import save_file
from pyldm.schedule import BETA_END, BETA_START, TRAIN_STEPS, alphas_cumprod, ddim_sample_v
from pyldm.tae import TinyAutoencoder, conv_flops, count_parameters
from pyldm.unet import UNet2DConditionModel, config_to_dict
from train_backbone.common import autocast

SCHEDULER = {
    '_class_name': 'DDIMScheduler', 'num_train_timesteps': TRAIN_STEPS, 'beta_schedule': 'scaled_linear', 'beta_start': BETA_START,
    'beta_end': BETA_END, 'prediction_type': 'v_prediction', 'steps_offset': 1, 'set_alpha_to_one': False, 'clip_sample': False,
}
PROMPT_STANDS_FOR = 'A satellite image'
MODEL_NAME = 'satdifuser-tiny'


@torch.no_grad()
def sample_images(unet: UNet2DConditionModel, prompt: torch.Tensor, tae: TinyAutoencoder, scaling: float, n: int, latent_size: int,
                  device: torch.device, seed: int = 0, steps: int = 50) -> torch.Tensor:
    """n images (n, 3, 8·latent_size, 8·latent_size) in [0, 1]: DDIM (eta 0) from pure noise, decoded by our decoder."""
    unet = unet.to(device).eval()
    tae = tae.to(device).eval()
    ac = alphas_cumprod().to(device)
    g = torch.Generator().manual_seed(seed)
    noise = torch.randn(n, unet.config.in_channels, latent_size, latent_size, generator=g).to(device)
    ctx = prompt.to(device).expand(n, -1, -1)

    def v(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        with autocast(device):
            return unet(x, t, ctx).float()

    z = ddim_sample_v(v, noise, ac, steps)
    return tae.decode(z / scaling).float().clamp(0, 1).cpu()


def grid_png(rows: list[tuple[str, torch.Tensor]], path: Path, label_width: int = 150, pad: int = 2) -> None:
    """One labelled row per (label, images (k, 3, s, s) in [0, 1])."""
    side = max(r[1].shape[-1] for r in rows)
    cols = max(r[1].shape[0] for r in rows)
    canvas = Image.new('RGB', (label_width + cols * (side + pad), len(rows) * (side + pad)), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    for i, (label, imgs) in enumerate(rows):
        y = i * (side + pad)
        for j, line in enumerate(label.split('\n')):
            draw.text((4, y + 4 + 12 * j), line, fill=(0, 0, 0))
        for k in range(imgs.shape[0]):
            a = (imgs[k].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
            im = Image.fromarray(a)
            if im.size[0] != side:
                im = im.resize((side, side), Image.Resampling.NEAREST)
            canvas.paste(im, (label_width + k * (side + pad), y))
    canvas.save(path, optimize=True)


def merge_loss_csvs(paths: list[Path], out: Path) -> None:
    rows, cols = [], []
    for p in paths:
        if not p.exists():
            continue
        with open(p, newline='') as f:
            r = csv.DictReader(f)
            cols += [c for c in (r.fieldnames or []) if c not in cols]
            rows += list(r)
    with open(out, 'w', newline='') as f:
        w = csv.DictWriter(f, fieldnames=cols)
        w.writeheader()
        w.writerows(rows)


def finish_model(work: Path, unet: UNet2DConditionModel, prompt: torch.Tensor, tae: TinyAutoencoder, tae_cfg: dict, unet_summary: dict,
                 real_crops_u8: torch.Tensor, device: torch.device, out: Path | None = None, n_samples: int = 16,
                 name: str = MODEL_NAME) -> Path:
    from train_backbone.cost import unet_flops  # local: cost.py imports configs, which is fine, but keep startup light

    out = out or work / 'model'
    out.mkdir(parents=True, exist_ok=True)
    unet = unet.float().cpu().eval()
    (out / 'config.json').write_text(json.dumps(config_to_dict(unet.config), indent=2))
    save_file({k: v.half() for k, v in unet.state_dict().items()}, out / 'diffusion_pytorch_model.safetensors', {'format': 'pt'})
    save_file({'encoder_hidden_states': prompt.detach().float().cpu().contiguous()}, out / 'prompt_embedding.safetensors',
              {'stands_for': PROMPT_STANDS_FOR})
    tae = tae.float().cpu().eval()
    # fp16 like the UNet: halves the shipped size; consumers compute in fp32 from these values either way
    save_file({k: v.half() for k, v in tae.encoder.state_dict().items()}, out / 'tae_encoder.safetensors', {'format': 'satdifuser-tae/1'})
    save_file({k: v.half() for k, v in tae.decoder.state_dict().items()}, out / 'tae_decoder.safetensors', {'format': 'satdifuser-tae/1'})

    crop = real_crops_u8.shape[-1]
    lat = crop // tae.downscale
    gen = sample_images(unet, prompt, tae, tae_cfg['scaling_factor'], n_samples, lat, device)
    real = real_crops_u8[:8].float().cpu() / 255.0
    with torch.no_grad():
        recon = tae.to(device)(real.to(device)).float().clamp(0, 1).cpu()
    half = n_samples // 2
    grid_png([('generated\n(DDIM 50, v-pred,\nfrom pure noise)', gen[:half]), ('generated', gen[half:]),
              ('real crops\n(training data)', real), ('autoencoder\nreconstruction\nof the real crops', recon)], out / 'samples.png')
    merge_loss_csvs([work / 'tae_loss.csv', work / 'unet_loss.csv'], out / 'loss.csv')

    tae_info = {k: v for k, v in tae_cfg.items() if k not in ('training',)}
    backbone = {
        'format': 'satdifuser-backbone/1',
        'name': name,
        'unet': {'config': 'config.json', 'weights': 'diffusion_pytorch_model.safetensors', 'dtype': 'float16',
                 'parameters': count_parameters(unet), 'gflop_per_call_256': unet_flops(unet, 32) / 1e9},
        'autoencoder': {**tae_info, 'encoder': 'tae_encoder.safetensors', 'decoder': 'tae_decoder.safetensors', 'dtype': 'float16',
                        'encoder_gflop_256': conv_flops(tae.encoder, 256, 256) / 1e9},
        'prompt_embedding': {'file': 'prompt_embedding.safetensors', 'key': 'encoder_hidden_states', 'shape': list(prompt.shape),
                             'stands_for': PROMPT_STANDS_FOR},
        'scheduler': SCHEDULER,
        'training': {'autoencoder': tae_cfg.get('training', {}), 'unet': unet_summary, 'sample_latent_size': lat},
    }
    (out / 'backbone.json').write_text(json.dumps(backbone, indent=1))
    return out
