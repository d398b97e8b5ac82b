#!/usr/bin/env python3
"""Stage 2: train the DiffusionSat-architecture UNet (tools/pyldm/unet.py) on the frozen autoencoder's latents.

DiffusionSat's objective: v-prediction on SD 2.1's scaled_linear 1000-step schedule, min-SNR-γ=5 loss weights in
the v form, EMA weights. Conditioning: one learned 77 x cross_attention_dim embedding, trained with the UNet, that
stands where DiffusionSat feeds the CLIP embedding of "A satellite image" (we have no text encoder to ship; the
embedding is what SatDiFuser's extractor feeds to encoder_hidden_states at every call). No metadata.

Usage (CPU fallback, after train_tae.py):
    /usr/bin/python3 tools/train_backbone/train_unet.py --preset cpu --minutes 30 --work tools/train_backbone/work/cpu
"""
from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pyldm.safetensors_io import load_file  # noqa: E402
from pyldm.schedule import add_noise, alphas_cumprod, min_snr_weight_v, v_target  # noqa: E402
from pyldm.tae import TinyAutoencoder  # noqa: E402
from pyldm.unet import UNet2DConditionModel, UNetConfig  # noqa: E402
from train_backbone.common import Budget, LossLog, autocast, cosine_lr, pick_device  # noqa: E402
from train_backbone.configs import unet_config  # noqa: E402
from train_backbone.data import ScenePack, dihedral  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SNR_GAMMA = 5.0
PROMPT_TOKENS = 77

PRESETS = {
    # cpu: 128² crops (16² latents) so one thread can take a few thousand steps; gpu: the extraction size, 256².
    'cpu': dict(unet='cpu', crop=128, bank=4096, batch=16, lr=5e-4, ema=0.999, log_every=10, val_every=200, val_count=18),
    'gpu': dict(unet='gpu', crop=256, bank=16384, batch=128, lr=3e-4, ema=0.9995, log_every=20, val_every=500, val_count=18),
    'toy': dict(unet='toy', crop=64, bank=64, batch=4, lr=1e-3, ema=0.9, log_every=1, val_every=10, val_count=2),
}


class EMA:
    """Exponential moving average of parameters, decay warmed up as min(decay, (1+n)/(10+n)) so early weights
    do not linger (diffusers' EMAModel default)."""

    def __init__(self, params: list[torch.nn.Parameter], decay: float):
        self.decay = decay
        self.shadow = [p.detach().clone().float() for p in params]
        self.n = 0

    @torch.no_grad()
    def update(self, params: list[torch.nn.Parameter]) -> None:
        self.n += 1
        d = min(self.decay, (1 + self.n) / (10 + self.n))
        for s, p in zip(self.shadow, params):
            s.mul_(d).add_(p.detach().float(), alpha=1 - d)

    @torch.no_grad()
    def copy_to(self, params: list[torch.nn.Parameter]) -> None:
        for s, p in zip(self.shadow, params):
            p.copy_(s.to(p.dtype))


def load_tae(work: Path) -> tuple[TinyAutoencoder, dict]:
    cfg = json.loads((work / 'tae_config.json').read_text())
    model = TinyAutoencoder.from_config(cfg)
    enc, _ = load_file(work / 'tae_encoder.safetensors')
    dec, _ = load_file(work / 'tae_decoder.safetensors')
    model.encoder.load_state_dict({k: v.float() for k, v in enc.items()})
    model.decoder.load_state_dict({k: v.float() for k, v in dec.items()})
    return model.eval(), cfg


@torch.no_grad()
def encode_bank(tae: TinyAutoencoder, crops_u8: torch.Tensor, scaling: float, device: torch.device, seed: int, batch: int = 64) -> torch.Tensor:
    """Scaled latents of the crops, each crop first turned by a random dihedral symmetry in pixel space (flipping
    latents instead would assume an equivariant encoder, which ours is not). Stored fp16 to halve the bank."""
    gen = torch.Generator().manual_seed(seed)
    codes = torch.randint(0, 8, (crops_u8.shape[0],), generator=gen)
    out = []
    tae = tae.to(device)
    for i in range(0, crops_u8.shape[0], batch):
        x = crops_u8[i:i + batch].to(device).float() / 255.0
        x = torch.stack([dihedral(x[j], int(codes[i + j])) for j in range(x.shape[0])])
        with autocast(device):
            z = tae.encode(x)
        out.append((z.float() * scaling).half())
    return torch.cat(out)


def v_loss(unet: UNet2DConditionModel, prompt: torch.Tensor, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor,
           ac: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(min-SNR weighted loss, unweighted per-sample v MSE)."""
    xt = add_noise(x0, noise, t, ac)
    target = v_target(x0, noise, t, ac)
    pred = unet(xt, t, prompt.expand(x0.shape[0], -1, -1))
    mse = (pred.float() - target).pow(2).flatten(1).mean(1)
    return (min_snr_weight_v(t, ac, SNR_GAMMA) * mse).mean(), mse


@torch.no_grad()
def validation_loss(unet: UNet2DConditionModel, prompt: torch.Tensor, val_latents: torch.Tensor, ac: torch.Tensor, device: torch.device) -> float:
    """Weighted v-loss on Dubai tile-6 latents at fixed timesteps and fixed noise, so points are comparable."""
    gen = torch.Generator().manual_seed(1234)
    ts = torch.linspace(20, 980, 8).long()
    total = 0.0
    for t in ts:
        noise = torch.randn(val_latents.shape, generator=gen).to(device)
        with autocast(device):
            loss, _ = v_loss(unet, prompt, val_latents, t.repeat(val_latents.shape[0]).to(device), noise, ac)
        total += loss.item()
    return total / len(ts)


def train_unet(bank: torch.Tensor, val_latents: torch.Tensor, unet_cfg: dict, out_dir: Path, *, device: torch.device, preset: dict,
               max_steps: int, seconds: float, seed: int = 0, log=print) -> tuple[UNet2DConditionModel, torch.Tensor, dict]:
    """Returns (EMA UNet, EMA prompt embedding (1, 77, D), summary)."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    dgen = torch.Generator(device=device).manual_seed(seed)
    unet = UNet2DConditionModel(UNetConfig.from_dict(unet_cfg)).to(device).train()
    prompt = torch.nn.Parameter(torch.randn(1, PROMPT_TOKENS, unet_cfg['cross_attention_dim'], generator=gen).to(device))
    params = list(unet.parameters()) + [prompt]
    opt = torch.optim.AdamW(params, lr=preset['lr'], weight_decay=0.01, betas=(0.9, 0.999))
    ema = EMA(params, preset['ema'])
    ac = alphas_cumprod().to(device)
    bank = bank.to(device)
    val_latents = val_latents.to(device)
    csv = LossLog(out_dir / 'unet_loss.csv', ['stage', 'step', 'seconds', 'lr', 'loss', 'v_mse', 'val_loss_ema'])
    csv.row(stage='unet', step=0, seconds=0.0, val_loss_ema=validation_loss(unet, prompt, val_latents, ac, device))  # untrained
    budget = Budget(max_steps, seconds)
    step = 0
    recent: list[float] = []
    while not budget.done(step):
        lr = cosine_lr(preset['lr'], budget.progress(step))
        for g in opt.param_groups:
            g['lr'] = lr
        idx = torch.randint(0, bank.shape[0], (preset['batch'],), generator=dgen, device=device)
        x0 = bank[idx].float()
        t = torch.randint(0, ac.shape[0], (x0.shape[0],), generator=dgen, device=device)
        noise = torch.randn(x0.shape, generator=dgen, device=device)  # drawn where it is used: no host->GPU copy per step
        with autocast(device):
            loss, mse = v_loss(unet, prompt, x0, t, noise, ac)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        ema.update(params)
        step += 1
        recent.append(loss.item())
        row = None
        if step % preset['log_every'] == 0 or step == 1:
            row = dict(stage='unet', step=step, seconds=round(budget.elapsed(), 2), lr=lr, loss=float(np.mean(recent)), v_mse=mse.mean().item())
            recent = []
        if step % preset['val_every'] == 0:
            ev_unet, ev_prompt = ema_copy(unet, prompt, ema)
            v = validation_loss(ev_unet, ev_prompt, val_latents, ac, device)
            row = row or dict(stage='unet', step=step, seconds=round(budget.elapsed(), 2), lr=lr, loss=loss.item(), v_mse=mse.mean().item())
            row['val_loss_ema'] = v
            log(f'unet step {step} {budget.elapsed():.0f}s loss {row["loss"]:.4f} val (EMA) {v:.4f}')
        if row:
            csv.row(**row)
    ev_unet, ev_prompt = ema_copy(unet, prompt, ema)
    final_val = validation_loss(ev_unet, ev_prompt, val_latents, ac, device)
    csv.row(stage='unet', step=step, seconds=round(budget.elapsed(), 2), lr=lr, loss=loss.item(), v_mse=mse.mean().item(), val_loss_ema=final_val)
    summary = {'steps': step, 'seconds': round(budget.elapsed(), 1), 'batch': preset['batch'], 'crop': preset['crop'], 'lr': preset['lr'],
               'ema_decay': preset['ema'], 'snr_gamma': SNR_GAMMA, 'final_train_loss': loss.item(), 'final_val_loss_ema': final_val,
               'bank_latents': int(bank.shape[0])}
    log(f'unet done: {step} steps in {budget.elapsed():.0f}s, EMA validation loss {final_val:.4f}')
    return ev_unet, ev_prompt, summary


def val_crops_u8(pack: ScenePack, preset: dict) -> torch.Tensor:
    return torch.from_numpy(pack.val[: preset['val_count']]).permute(0, 3, 1, 2).contiguous()


def ema_copy(unet: UNet2DConditionModel, prompt: torch.Tensor, ema: EMA) -> tuple[UNet2DConditionModel, torch.Tensor]:
    ev = copy.deepcopy(unet).eval()
    ev_prompt = torch.zeros_like(prompt.detach())
    ema.copy_to(list(ev.parameters()) + [ev_prompt])
    return ev, ev_prompt


def main() -> None:
    ap = argparse.ArgumentParser(description='train the UNet on the autoencoder latents (stage 2)')
    ap.add_argument('--pack', default=str(REPO / 'tools/train_backbone/work/pack.npz'))
    ap.add_argument('--work', default=str(REPO / 'tools/train_backbone/work/cpu'), help='folder with stage 1 outputs; stage 2 writes here too')
    ap.add_argument('--preset', choices=sorted(PRESETS), default='cpu')
    ap.add_argument('--minutes', type=float, default=30.0)
    ap.add_argument('--steps', type=int, default=10**9)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--device', default='auto')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    from train_backbone.finish import finish_model  # noqa: E402 (sampling grid + model folder files)

    work = Path(args.work)
    device = pick_device(args.device)
    preset = PRESETS[args.preset]
    pack = ScenePack(args.pack)
    tae, tae_cfg = load_tae(work)
    rng = np.random.default_rng(1)
    crops = pack.sample(rng, preset['bank'], preset['crop'])
    bank = encode_bank(tae, crops, tae_cfg['scaling_factor'], device, seed=1)
    val = encode_bank(tae, val_crops_u8(pack, preset), tae_cfg['scaling_factor'], device, seed=2)
    print(f'latent bank {tuple(bank.shape)}, std {bank.float().std().item():.3f} (scaled)')
    unet, prompt, summary = train_unet(bank, val, unet_config(preset['unet']), work, device=device, preset=preset, max_steps=args.steps, seconds=args.minutes * 60)
    finish_model(work, unet, prompt, tae, tae_cfg, summary, crops[:8], device)


if __name__ == '__main__':
    main()
