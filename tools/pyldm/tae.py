"""TAESD-style tiny autoencoder: RGB in [0, 1] -> latent at 1/8 resolution -> RGB.

Both halves are plain `nn.Sequential`s built from a layer list (the "spec") that is stored in the model's config, so
any consumer can rebuild the graph from JSON alone: our own autoencoder, TAESD and TAEF2 (the FLUX.2 variant, whose
1/8-resolution blocks add a grouped-norm "pool" branch) are all the same five layer kinds. State-dict keys are the
Sequential indices, exactly as in madebyollin/taesd, so TAEF2's .pth files load unchanged.

Layer kinds (a spec is a list of these lists):
    ['conv', n_in, n_out, stride, bias]   3x3 convolution, padding 1
    ['relu']
    ['clamp']                             tanh(x / 3) * 3: keeps decoder input bounded (TAESD)
    ['upsample']                          nearest-neighbour x2
    ['block', n_in, n_out, pool]          x' = x + pool(x) if pool; relu(conv3(relu(conv3(relu(conv3(x'))))) + skip(x'))
                                          skip = 1x1 conv without bias when n_in != n_out, else identity;
                                          pool = 1x1 conv (n_in -> 4 n_in, no bias), GroupNorm(4), ReLU, 1x1 conv back
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import torch
import torch.nn as nn
import torch.nn.functional as F

Spec = list[list[Any]]


class Clamp(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(x / 3) * 3


class Block(nn.Module):
    def __init__(self, n_in: int, n_out: int, pool: bool = False):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(n_in, n_out, 3, padding=1), nn.ReLU(),
            nn.Conv2d(n_out, n_out, 3, padding=1), nn.ReLU(),
            nn.Conv2d(n_out, n_out, 3, padding=1),
        )
        self.skip = nn.Conv2d(n_in, n_out, 1, bias=False) if n_in != n_out else nn.Identity()
        self.fuse = nn.ReLU()
        self.pool = None
        if pool:
            wide = n_in * 4
            self.pool = nn.Sequential(nn.Conv2d(n_in, wide, 1, bias=False), nn.GroupNorm(4, wide), nn.ReLU(), nn.Conv2d(wide, n_in, 1, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.pool is not None:
            x = x + self.pool(x)
        return self.fuse(self.conv(x) + self.skip(x))


class Upsample2x(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.interpolate(x, scale_factor=2.0, mode='nearest')


def build_sequential(spec: Spec) -> nn.Sequential:
    layers: list[nn.Module] = []
    for item in spec:
        kind = item[0]
        if kind == 'conv':
            _, n_in, n_out, stride, bias = item
            layers.append(nn.Conv2d(n_in, n_out, 3, stride=stride, padding=1, bias=bool(bias)))
        elif kind == 'relu':
            layers.append(nn.ReLU())
        elif kind == 'clamp':
            layers.append(Clamp())
        elif kind == 'upsample':
            layers.append(Upsample2x())
        elif kind == 'block':
            _, n_in, n_out, pool = item
            layers.append(Block(n_in, n_out, bool(pool)))
        else:
            raise ValueError(f'unknown autoencoder layer kind {kind!r} in spec')
    return nn.Sequential(*layers)


def taesd_encoder_spec(latent_channels: int = 4, midblock_gn: bool = False) -> Spec:
    """The reference TAESD encoder (64 channels, one full-resolution block); TAEF2 sets midblock_gn."""
    s: Spec = [['conv', 3, 64, 1, True], ['block', 64, 64, False]]
    for level in range(3):
        s.append(['conv', 64, 64, 2, False])
        s += [['block', 64, 64, midblock_gn and level == 2] for _ in range(3)]
    s.append(['conv', 64, latent_channels, 1, True])
    return s


def taesd_decoder_spec(latent_channels: int = 4, midblock_gn: bool = False) -> Spec:
    s: Spec = [['clamp'], ['conv', latent_channels, 64, 1, True], ['relu']]
    for level in range(3):
        s += [['block', 64, 64, midblock_gn and level == 0] for _ in range(3)]
        s += [['upsample'], ['conv', 64, 64, 1, False]]
    s += [['block', 64, 64, False], ['conv', 64, 3, 1, True]]
    return s


def cheap_encoder_spec(latent_channels: int = 32, widths: tuple[int, int, int] = (48, 64, 64), blocks: tuple[int, int, int] = (1, 2, 2)) -> Spec:
    """Our encoder: the first conv already has stride 2, so nothing runs at full resolution.

    TAESD's full-resolution block alone costs ~14.5 GFLOP on a 256² tile, more than this whole encoder (~4.6 GFLOP);
    the encoder shares the per-tile extraction budget with ten UNet calls, so that block is what we drop.
    A stride-2 3x3 conv sees all 12 values of each 2x2 RGB cell (and a one-pixel rim), so with 48 outputs it can
    keep the information that a full-resolution layer would have had."""
    c1, c2, c3 = widths
    s: Spec = [['conv', 3, c1, 2, True], ['relu']]
    s += [['block', c1, c1, False] for _ in range(blocks[0])]
    s.append(['conv', c1, c2, 2, False])
    s += [['block', c2, c2, False] for _ in range(blocks[1])]
    s.append(['conv', c2, c3, 2, False])
    s += [['block', c3, c3, False] for _ in range(blocks[2])]
    s.append(['conv', c3, latent_channels, 1, True])
    return s


def decoder_spec(latent_channels: int = 32, widths: tuple[int, int, int, int] = (64, 64, 64, 32), blocks: tuple[int, int, int, int] = (3, 3, 3, 1)) -> Spec:
    """TAESD's decoder layout (1/8 -> 1/4 -> 1/2 -> 1/1), with configurable widths per level so the
    full-resolution level can be narrow: it dominates the decoder's cost and the decoder only serves sampling."""
    s: Spec = [['clamp'], ['conv', latent_channels, widths[0], 1, True], ['relu']]
    for level in range(3):
        s += [['block', widths[level], widths[level], False] for _ in range(blocks[level])]
        s += [['upsample'], ['conv', widths[level], widths[level + 1], 1, False]]
    s += [['block', widths[3], widths[3], False] for _ in range(blocks[3])]
    s.append(['conv', widths[3], 3, 1, True])
    return s


def spec_latent_channels(encoder: Spec) -> int:
    last = encoder[-1]
    if last[0] != 'conv':
        raise ValueError('an encoder spec must end with a conv that produces the latent')
    return int(last[2])


def spec_downscale(encoder: Spec) -> int:
    f = 1
    for item in encoder:
        if item[0] == 'conv':
            f *= int(item[3])
    return f


class TinyAutoencoder(nn.Module):
    def __init__(self, encoder_spec: Spec, decoder_spec: Spec):
        super().__init__()
        self.encoder_spec = encoder_spec
        self.decoder_spec = decoder_spec
        self.encoder = build_sequential(encoder_spec)
        self.decoder = build_sequential(decoder_spec)
        self.latent_channels = spec_latent_channels(encoder_spec)
        self.downscale = spec_downscale(encoder_spec)

    def encode(self, rgb01: torch.Tensor) -> torch.Tensor:
        """RGB in [0, 1], (B, 3, H, W) with H, W multiples of the downscale -> raw (unscaled) latent."""
        if rgb01.shape[-1] % self.downscale or rgb01.shape[-2] % self.downscale:
            raise ValueError(f'image size {tuple(rgb01.shape[-2:])} is not a multiple of {self.downscale}')
        return self.encoder(rgb01)

    def decode(self, latent: torch.Tensor) -> torch.Tensor:
        """Raw latent -> RGB, nominally [0, 1] but not clamped (clamp for display and metrics)."""
        return self.decoder(latent)

    def forward(self, rgb01: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(rgb01))

    def config(self) -> dict[str, Any]:
        return {
            '_class_name': 'TinyAutoencoder',
            'input_range': [0.0, 1.0],
            'latent_channels': self.latent_channels,
            'downscale': self.downscale,
            'encoder_layers': self.encoder_spec,
            'decoder_layers': self.decoder_spec,
        }

    @classmethod
    def from_config(cls, cfg: dict[str, Any]) -> 'TinyAutoencoder':
        return cls(cfg['encoder_layers'], cfg['decoder_layers'])


def load_taef2(folder: str | Path) -> TinyAutoencoder:
    """TAEF2 (FLUX.2 latent space, 32 channels at 1/8) from madebyollin/taesd's .pth pair: a yardstick only."""
    folder = Path(folder)
    enc = torch.load(folder / 'taef2_encoder.pth', map_location='cpu')
    dec = torch.load(folder / 'taef2_decoder.pth', map_location='cpu')
    latent = int(dec['1.weight'].shape[1])
    model = TinyAutoencoder(taesd_encoder_spec(latent, True), taesd_decoder_spec(latent, True))
    model.encoder.load_state_dict({k: v.float() for k, v in enc.items()})
    model.decoder.load_state_dict({k: v.float() for k, v in dec.items()})
    return model.eval()


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def forward_flops(model: nn.Module, run: Callable[[], Any], count: Callable[[nn.Module, tuple, Any], int]) -> int:
    """The sum of `count(module, inputs, output)` over every module call while `run()` runs `model` once."""
    total = 0

    def hook(mod: nn.Module, inp: tuple, out: Any) -> None:
        nonlocal total
        total += count(mod, inp, out)

    hooks = [m.register_forward_hook(hook) for m in model.modules()]
    try:
        with torch.no_grad():
            run()
    finally:
        for h in hooks:
            h.remove()
    return total


def conv2d_flops(mod: nn.Module, _inp: tuple, out: Any) -> int:
    """Multiply-adds x2 of a Conv2d call; 0 for any other module."""
    if not isinstance(mod, nn.Conv2d):
        return 0
    k = mod.kernel_size[0] * mod.kernel_size[1] * mod.in_channels // mod.groups
    return 2 * k * out.numel()


def conv_flops(seq: nn.Sequential, height: int, width: int) -> int:
    """Multiply-adds x2 of every convolution for one image of the given size (norms and activations ignored)."""
    first = next(m for m in seq.modules() if isinstance(m, nn.Conv2d))
    return forward_flops(seq, lambda: seq(torch.zeros(1, first.in_channels, height, width)), conv2d_flops)


def save_config(model: TinyAutoencoder, path: str | Path, extra: dict[str, Any] | None = None) -> None:
    Path(path).write_text(json.dumps({**model.config(), **(extra or {})}, indent=1))
