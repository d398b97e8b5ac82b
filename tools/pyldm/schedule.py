"""DiffusionSat's (= SD 2.1's) noise schedule and objective, with diffusers' semantics:
scaled_linear betas 0.00085 -> 0.012 over 1000 steps, v-prediction, min-SNR-gamma loss weights, DDIM sampling
(eta 0, steps_offset 1, set_alpha_to_one false)."""
from __future__ import annotations

from typing import Callable

import torch

TRAIN_STEPS = 1000
BETA_START = 0.00085
BETA_END = 0.012


def alphas_cumprod(steps: int = TRAIN_STEPS, beta_start: float = BETA_START, beta_end: float = BETA_END) -> torch.Tensor:
    """ā_t, float32 as diffusers' DDPMScheduler/DDIMScheduler compute it ('scaled_linear')."""
    betas = torch.linspace(beta_start ** 0.5, beta_end ** 0.5, steps, dtype=torch.float32) ** 2
    return torch.cumprod(1.0 - betas, dim=0)


def _gather(ac: torch.Tensor, t: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    a = ac.to(like.device)[t.long()].float()
    return a.reshape(-1, *([1] * (like.dim() - 1)))


def add_noise(x0: torch.Tensor, noise: torch.Tensor, t: torch.Tensor, ac: torch.Tensor) -> torch.Tensor:
    a = _gather(ac, t, x0)
    return a.sqrt() * x0 + (1 - a).sqrt() * noise


def v_target(x0: torch.Tensor, noise: torch.Tensor, t: torch.Tensor, ac: torch.Tensor) -> torch.Tensor:
    """diffusers' get_velocity: v = √ā·ε − √(1−ā)·x₀."""
    a = _gather(ac, t, x0)
    return a.sqrt() * noise - (1 - a).sqrt() * x0


def snr(t: torch.Tensor, ac: torch.Tensor) -> torch.Tensor:
    a = ac.to(t.device)[t.long()].float()
    return a / (1 - a)


def min_snr_weight_v(t: torch.Tensor, ac: torch.Tensor, gamma: float = 5.0) -> torch.Tensor:
    """Min-SNR-γ weight of a v-prediction MSE (Hang et al. 2023; diffusers' train_text_to_image):
    min(SNR, γ) / (SNR + 1). The v-loss equals (SNR + 1)·ε-loss, hence the +1."""
    s = snr(t, ac)
    return torch.minimum(s, torch.full_like(s, gamma)) / (s + 1)


def ddim_timesteps(inference_steps: int = 50, train_steps: int = TRAIN_STEPS, steps_offset: int = 1) -> list[int]:
    """diffusers 0.17 DDIMScheduler.set_timesteps ('leading' spacing): 50 steps -> [981, 961, ..., 21, 1]."""
    ratio = train_steps // inference_steps
    return [i * ratio + steps_offset for i in reversed(range(inference_steps))]


@torch.no_grad()
def ddim_sample_v(model: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], noise: torch.Tensor, ac: torch.Tensor,
                  inference_steps: int = 50) -> torch.Tensor:
    """Deterministic DDIM (eta 0) from pure noise for a v-prediction model; returns the final (scaled) latent.

    model(x_t, t) -> v. set_alpha_to_one=False: the last step lands on ā_0, not 1, as in SD 2.1's scheduler."""
    ts = ddim_timesteps(inference_steps, ac.shape[0])
    ratio = ac.shape[0] // inference_steps
    x = noise
    for t in ts:
        a = ac[t].item()
        prev = t - ratio
        a_prev = ac[prev].item() if prev >= 0 else ac[0].item()
        v = model(x, torch.full((x.shape[0],), t, device=x.device, dtype=torch.long)).float()
        x0 = a ** 0.5 * x - (1 - a) ** 0.5 * v
        eps = a ** 0.5 * v + (1 - a) ** 0.5 * x
        x = a_prev ** 0.5 * x0 + (1 - a_prev) ** 0.5 * eps
    return x
