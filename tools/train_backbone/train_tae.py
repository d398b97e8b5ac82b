#!/usr/bin/env python3
"""Stage 1: train the tiny autoencoder (tools/pyldm/tae.py) on random crops of the scene pack.

Loss = L1(x̂, x) + λ_grad · L1(∇x̂, ∇x) + λ_z · mean(z²).
- L1 rather than MSE: it is less dominated by the few very bright or very dark pixels and gives sharper
  reconstructions at the same PSNR budget.
- The finite-difference gradient term: pixel losses see little of the high frequencies (they carry little energy),
  so decoders trained on them alone blur roof edges, field boundaries and road markings; matching the image
  gradients weights exactly those, at the cost of two subtractions. A perceptual loss would need a pretrained
  network we do not have (a random-feature one measures nothing), and an adversarial term is not stable in minutes.
- The tiny latent penalty only keeps the unconstrained latent from drifting to large values (the decoder's tanh
  clamp at ±3 would then saturate); the diffusion stage rescales the latent to unit variance anyway.

Usage (CPU fallback, 1 thread):  /usr/bin/python3 tools/train_backbone/train_tae.py --preset cpu --minutes 25
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pyldm.safetensors_io import save_file  # noqa: E402
from pyldm.tae import TinyAutoencoder, cheap_encoder_spec, count_parameters, conv_flops, decoder_spec, load_taef2  # noqa: E402
from train_backbone.common import Budget, LossLog, autocast, cosine_lr, pick_device, psnr  # noqa: E402
from train_backbone.data import ScenePack, random_dihedral  # noqa: E402

REPO = Path(__file__).resolve().parents[2]

PRESETS = {
    # crop/batch/bank: what one CPU thread can afford in ~25 minutes; decoder's full-resolution level is narrow.
    'cpu': dict(crop=128, batch=8, bank=3072, lr=1e-3, dec_widths=(64, 64, 64, 32), val_every=250, log_every=10, val_count=18),
    'gpu': dict(crop=256, batch=32, bank=16384, lr=1e-3, dec_widths=(96, 96, 64, 48), val_every=250, log_every=10, val_count=18),
    'toy': dict(crop=64, batch=4, bank=64, lr=2e-3, dec_widths=(16, 16, 16, 8), val_every=10, log_every=1, val_count=2),
}
LAMBDA_GRAD = 0.5
LAMBDA_Z = 1e-4


def image_gradients(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    return x[..., :, 1:] - x[..., :, :-1], x[..., 1:, :] - x[..., :-1, :]


def ae_loss(x: torch.Tensor, y: torch.Tensor, z: torch.Tensor) -> tuple[torch.Tensor, dict[str, float]]:
    l1 = (y - x).abs().mean()
    (gx, gy), (hx, hy) = image_gradients(y), image_gradients(x)
    grad = 0.5 * ((gx - hx).abs().mean() + (gy - hy).abs().mean())
    zreg = z.float().pow(2).mean()
    total = l1 + LAMBDA_GRAD * grad + LAMBDA_Z * zreg
    return total, {'l1': l1.item(), 'grad_l1': grad.item(), 'z_sq': zreg.item()}


@torch.no_grad()
def evaluate_psnr(model: TinyAutoencoder, val01: torch.Tensor, device: torch.device, batch: int = 6) -> list[float]:
    model.eval()
    out = []
    for i in range(0, val01.shape[0], batch):
        x = val01[i:i + batch].to(device)
        out += psnr(model(x).float(), x).tolist()
    model.train()
    return out


@torch.no_grad()
def latent_statistics(model: TinyAutoencoder, crops_u8: torch.Tensor, device: torch.device, batch: int = 16) -> dict[str, float]:
    """Std and mean of the raw latent over real crops; scaling_factor = 1/std gives unit-variance diffusion input
    (the role of SD's 0.18215)."""
    model.eval()
    s = s2 = n = 0.0
    for i in range(0, crops_u8.shape[0], batch):
        z = model.encode(crops_u8[i:i + batch].to(device).float() / 255.0).double()
        s += z.sum().item()
        s2 += z.pow(2).sum().item()
        n += z.numel()
    mean = s / n
    std = (s2 / n - mean * mean) ** 0.5
    return {'latent_mean': mean, 'latent_std': std, 'scaling_factor': 1.0 / std}


def train_tae(pack: ScenePack, model: TinyAutoencoder, out_dir: Path, *, device: torch.device, preset: dict, max_steps: int,
              seconds: float, seed: int = 0, bank: torch.Tensor | None = None, log=print) -> dict:
    """Trains in place; `bank` (uint8 crops) defaults to preset['bank'] fresh crops of preset['crop'] pixels."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    gen = torch.Generator().manual_seed(seed)
    model.to(device).train()
    if bank is None:
        bank = pack.sample(rng, preset['bank'], preset['crop'])
    bank = bank.to(device)
    val01 = pack.val_tensor()[: preset['val_count']]
    opt = torch.optim.Adam(model.parameters(), lr=preset['lr'])
    csv = LossLog(out_dir / 'tae_loss.csv', ['stage', 'step', 'seconds', 'lr', 'loss', 'l1', 'grad_l1', 'z_sq', 'val_psnr_db'])
    v0 = float(np.mean(evaluate_psnr(model, val01, device)))
    csv.row(stage='tae', step=0, seconds=0.0, val_psnr_db=v0)  # the untrained baseline of the curve
    budget = Budget(max_steps, seconds)
    step = 0
    while not budget.done(step):
        lr = cosine_lr(preset['lr'], budget.progress(step))
        for g in opt.param_groups:
            g['lr'] = lr
        idx = torch.randint(0, bank.shape[0], (preset['batch'],), generator=gen).to(device)
        x = random_dihedral(bank[idx], gen).float() / 255.0
        with autocast(device):
            z = model.encode(x)
            y = model.decode(z)
        loss, parts = ae_loss(x, y.float(), z)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        row = None
        if step % preset['log_every'] == 0 or step == 1:
            row = dict(stage='tae', step=step, seconds=round(budget.elapsed(), 2), lr=lr, loss=loss.item(), **parts)
        if step % preset['val_every'] == 0:
            v = float(np.mean(evaluate_psnr(model, val01, device)))
            row = row or dict(stage='tae', step=step, seconds=round(budget.elapsed(), 2), lr=lr, loss=loss.item(), **parts)
            row['val_psnr_db'] = v
            log(f'tae step {step} {budget.elapsed():.0f}s loss {loss.item():.4f} val PSNR {v:.2f} dB')
        if row:
            csv.row(**row)
    per_image = evaluate_psnr(model, val01, device)
    stats = latent_statistics(model, bank[: min(512, bank.shape[0])], device)
    result = {'steps': step, 'seconds': round(budget.elapsed(), 1), 'crop': int(bank.shape[-1]), 'batch': preset['batch'],
              'val_psnr_db': float(np.mean(per_image)), 'val_psnr_db_per_crop': per_image, 'final_loss': loss.item(), **stats}
    log(f'tae done: {step} steps in {budget.elapsed():.0f}s, validation PSNR {result["val_psnr_db"]:.2f} dB, latent std {stats["latent_std"]:.4f}')
    return result


def save_tae(model: TinyAutoencoder, out_dir: Path, info: dict) -> None:
    """tae_encoder/decoder.safetensors (fp32 keys = Sequential indices) + tae_config.json (layer specs, scale)."""
    model = model.float().cpu()
    meta = {'format': 'satdifuser-tae/1'}
    save_file({k: v for k, v in model.encoder.state_dict().items()}, out_dir / 'tae_encoder.safetensors', meta)
    save_file({k: v for k, v in model.decoder.state_dict().items()}, out_dir / 'tae_decoder.safetensors', meta)
    cfg = {**model.config(), 'scaling_factor': info['scaling_factor'], 'latent_std': info['latent_std'], 'latent_mean': info['latent_mean'],
           'encoder_parameters': count_parameters(model.encoder), 'decoder_parameters': count_parameters(model.decoder),
           'encoder_gflop_256': conv_flops(model.encoder, 256, 256) / 1e9, 'training': {k: v for k, v in info.items() if k != 'val_psnr_db_per_crop'}}
    (out_dir / 'tae_config.json').write_text(json.dumps(cfg, indent=1))


def build_model(preset: dict) -> TinyAutoencoder:
    return TinyAutoencoder(cheap_encoder_spec(32), decoder_spec(32, tuple(preset['dec_widths'])))


@torch.no_grad()
def taef2_psnr(taesd_dir: Path, val01: torch.Tensor) -> list[float]:
    ref = load_taef2(taesd_dir)
    return evaluate_psnr(ref, val01, torch.device('cpu'))


def main() -> None:
    ap = argparse.ArgumentParser(description='train the tiny autoencoder (stage 1)')
    ap.add_argument('--pack', default=str(REPO / 'tools/train_backbone/work/pack.npz'))
    ap.add_argument('--out', default=str(REPO / 'tools/train_backbone/work/cpu'))
    ap.add_argument('--preset', choices=sorted(PRESETS), default='cpu')
    ap.add_argument('--minutes', type=float, default=25.0)
    ap.add_argument('--steps', type=int, default=10**9)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--device', default='auto')
    ap.add_argument('--taesd', default=str(REPO.parent / 'shared/models/taesd'), help='TAEF2 folder for the yardstick PSNR (skipped if absent)')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    out = Path(args.out)
    preset = PRESETS[args.preset]
    pack = ScenePack(args.pack)
    model = build_model(preset)
    info = train_tae(pack, model, out, device=pick_device(args.device), preset=preset, max_steps=args.steps, seconds=args.minutes * 60)
    if Path(args.taesd, 'taef2_encoder.pth').exists():
        ref = taef2_psnr(Path(args.taesd), pack.val_tensor())
        info['taef2_val_psnr_db'] = float(np.mean(ref))
        info['taef2_val_psnr_db_per_crop'] = ref
        print(f'TAEF2 on the same Dubai tile-6 crops: {info["taef2_val_psnr_db"]:.2f} dB')
    save_tae(model, out, info)
    (out / 'tae_result.json').write_text(json.dumps(info, indent=1))


if __name__ == '__main__':
    main()
