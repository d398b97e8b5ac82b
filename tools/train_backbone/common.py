"""Small pieces both training stages share: learning-rate schedule, loss CSV, timing, PSNR."""
from __future__ import annotations

import csv
import math
import time
from pathlib import Path

import torch


def cosine_lr(base: float, progress: float, warmup: float = 0.02, floor: float = 0.05) -> float:
    """Linear warmup over the first `warmup` of training, then cosine down to floor*base. progress in [0, 1]."""
    if progress < warmup:
        return base * max(progress / warmup, 0.01)
    p = min((progress - warmup) / max(1.0 - warmup, 1e-9), 1.0)
    return base * (floor + (1.0 - floor) * 0.5 * (1.0 + math.cos(math.pi * p)))


class Budget:
    """Training ends at max_steps or after `seconds` of wall time, whichever comes first; progress drives the
    schedules so a time-limited run still anneals its learning rate to the end."""

    def __init__(self, max_steps: int, seconds: float):
        self.max_steps = max_steps
        self.seconds = seconds
        self.start = time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def progress(self, step: int) -> float:
        return min(1.0, max(step / max(self.max_steps, 1), self.elapsed() / max(self.seconds, 1e-9)))

    def done(self, step: int) -> bool:
        return step >= self.max_steps or self.elapsed() >= self.seconds


class LossLog:
    """Appends one CSV row per logged step; columns are fixed at creation."""

    def __init__(self, path: str | Path, columns: list[str]):
        self.path = Path(path)
        self.columns = columns
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, 'w', newline='') as f:
            csv.writer(f).writerow(columns)

    def row(self, **values: object) -> None:
        with open(self.path, 'a', newline='') as f:
            csv.writer(f).writerow([_fmt(values.get(c, '')) for c in self.columns])


def _fmt(v: object) -> object:
    return f'{v:.6g}' if isinstance(v, float) else v


def psnr(pred01: torch.Tensor, ref01: torch.Tensor) -> torch.Tensor:
    """Per-image PSNR in dB on [0, 1] images, prediction clamped to the valid range first."""
    mse = (pred01.clamp(0, 1) - ref01).pow(2).flatten(1).mean(1)
    return 10.0 * torch.log10(1.0 / mse.clamp_min(1e-12))


def pick_device(name: str) -> torch.device:
    if name == 'auto':
        return torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    return torch.device(name)


def autocast(device: torch.device):
    """bf16 autocast on CUDA; a no-op elsewhere (torch 1.13 probes CUDA even for a disabled CUDA autocast)."""
    import contextlib

    if device.type == 'cuda':
        return torch.autocast(device_type='cuda', dtype=torch.bfloat16)
    return contextlib.nullcontext()


# The release's inversion grid for 1000 training / 50 DDIM steps with steps_offset 1: t = -1, 1, 21, …, 181.
INVERSION_TIMESTEPS = [-1] + [1 + 20 * i for i in range(10)]
RELEASE_LABELS = {2: 47, 4: 45, 9: 40}  # call index -> release label (t = 21, 61, 161)


@torch.no_grad()
def invert_taps(unet, z: torch.Tensor, prompt: torch.Tensor, keep=tuple(RELEASE_LABELS)) -> dict[int, list[torch.Tensor]]:
    """SatDiFuser's 10-call DDIM inversion from the latent `z` (the UNet output used as ε in the update, as the
    release does); the per-scale taps (pyldm.unet.group_taps) of the calls in `keep`, by call index."""
    from pyldm.schedule import alphas_cumprod
    from pyldm.unet import group_taps

    ac = alphas_cumprod().double()
    seq = INVERSION_TIMESTEPS
    kept: dict[int, list[torch.Tensor]] = {}
    for i in range(max(keep) + 1):
        t, t_next = seq[i], seq[i + 1]
        out, taps = unet(z, torch.tensor([float(t)]), prompt.expand(z.shape[0], -1, -1), return_taps=True)
        if i in keep:
            kept[i] = group_taps(taps)
        if i == max(keep):
            break
        a_t = 1.0 if t < 0 else float(ac[t])
        a_n = float(ac[t_next])
        x0 = (z - (1 - a_t) ** 0.5 * out) / a_t ** 0.5
        z = a_n ** 0.5 * x0 + (1 - a_n) ** 0.5 * out
    return kept
