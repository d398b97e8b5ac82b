"""SatDiFuser's feature extraction (archs/ldm_extractor.py), faithful to the release: the DDIM grid of the
checkpoint's scheduler, the 10-call inversion from t = -1 with the UNet output used as epsilon, and the taps of the
calls labelled 47, 45, 40 (t = 21, 61, 161)."""
import numpy as np
import torch


def betas(cfg):
    n = cfg.get("num_train_timesteps", 1000)
    b0, b1 = cfg.get("beta_start", 0.0001), cfg.get("beta_end", 0.02)
    kind = cfg.get("beta_schedule", "linear")
    if cfg.get("trained_betas") is not None:
        return torch.tensor(cfg["trained_betas"], dtype=torch.float32)
    if kind == "linear":
        return torch.linspace(b0, b1, n, dtype=torch.float32)
    if kind == "scaled_linear":
        return torch.linspace(b0 ** 0.5, b1 ** 0.5, n, dtype=torch.float32) ** 2
    raise ValueError(kind)


def ddim_timesteps(cfg, steps=50):
    """diffusers DDIMScheduler.set_timesteps ("leading" spacing, + steps_offset)."""
    n = cfg.get("num_train_timesteps", 1000)
    ratio = n // steps
    t = (np.arange(0, steps) * ratio).round()[::-1].copy().astype(np.int64)
    return t + cfg.get("steps_offset", 0)


def invert(unet, latent, cond, sched_cfg, save=(47, 45, 40), steps=50):
    """Returns {label: [s1..s4]} and {label: latent fed to that call}."""
    from pyldm_path import group_taps  # noqa
    seq = list(np.flip(ddim_timesteps(sched_cfg, steps)))
    seq_next = [-1] + seq[:-1]
    ab = (1 - betas(sched_cfg)).cumprod(dim=0)
    max_i = steps - min(save)
    x = latent
    n = x.shape[0]
    feats, inputs = {}, {}
    with torch.no_grad():
        for i, (t, t_next) in enumerate(zip(seq_next, seq)):
            if i >= max_i:
                break
            tt = torch.ones(n) * float(t)
            at = torch.ones(n) if t == -1 else ab.index_select(0, torch.full((n,), int(t), dtype=torch.long))
            an = torch.ones(n) if t_next == -1 else ab.index_select(0, torch.full((n,), int(t_next), dtype=torch.long))
            at, an = at[:, None, None, None], an[:, None, None, None]
            label = steps - i - 1
            out, taps = unet(x, tt, cond, return_taps=True)
            if label in save:
                feats[label] = group_taps(taps)
                inputs[label] = x.clone()
            x0 = (x - out * (1 - at).sqrt()) / at.sqrt()
            x = an.sqrt() * x0 + (1 - an).sqrt() * out
    return feats, inputs
