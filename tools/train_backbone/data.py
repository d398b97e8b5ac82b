"""Training crops from a scene pack (pack.py): random scene by group weight, random scale, crop that avoids
nodata, antialiased resize, and the eight dihedral transforms (flips x 90° rotations).

Needs only numpy, pillow and torch, so it runs unchanged on the GPU machine."""
from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

MAX_INVALID_FRACTION = 0.01  # a crop may hold at most this much nodata (black fill outside a Landsat footprint)


@dataclass
class PackedScene:
    name: str
    group: str
    rgb: np.ndarray  # (H, W, 3) uint8
    invalid_sat: np.ndarray  # (H+1, W+1) summed-area table of all-zero pixels, for O(1) nodata checks


class ScenePack:
    def __init__(self, path: str | Path):
        with np.load(path, allow_pickle=False) as z:
            self.manifest = json.loads(z['manifest'].tobytes())
            if self.manifest.get('format') != 'satdifuser-train-pack/1':
                raise ValueError(f'{path} is not a satdifuser training pack (format {self.manifest.get("format")!r}); rebuild it with pack.py')
            self.scenes: list[PackedScene] = []
            for s in self.manifest['scenes']:
                rgb = np.asarray(Image.open(io.BytesIO(z[s['key']].tobytes())).convert('RGB'))
                invalid = (rgb.max(axis=2) == 0).astype(np.int64)
                sat = np.zeros((rgb.shape[0] + 1, rgb.shape[1] + 1), dtype=np.int64)
                sat[1:, 1:] = invalid.cumsum(0).cumsum(1)
                self.scenes.append(PackedScene(s['name'], s['group'], rgb, sat))
            self.val = z[self.manifest['val']['key']].copy()  # (N, 256, 256, 3) uint8, Dubai tile 6
        w = np.array([s['weight'] for s in self.manifest['scenes']], dtype=np.float64)
        self.weights = w / w.sum()

    def val_tensor(self) -> torch.Tensor:
        """Dubai tile-6 validation crops as float (N, 3, 256, 256) in [0, 1]."""
        return torch.from_numpy(self.val).permute(0, 3, 1, 2).float() / 255.0

    def _crop(self, rng: np.random.Generator, size: int, max_scale: float) -> np.ndarray:
        for _ in range(20):
            sc = self.scenes[rng.choice(len(self.scenes), p=self.weights)]
            h, w = sc.rgb.shape[:2]
            side = int(round(size * float(np.exp(rng.uniform(0.0, np.log(max_scale))))))
            side = min(side, h, w)
            y = int(rng.integers(0, h - side + 1))
            x = int(rng.integers(0, w - side + 1))
            s = sc.invalid_sat
            bad = s[y + side, x + side] - s[y, x + side] - s[y + side, x] + s[y, x]
            if bad <= MAX_INVALID_FRACTION * side * side:
                return sc.rgb[y:y + side, x:x + side]
        raise RuntimeError('could not find a crop without nodata in 20 tries; is the pack mostly empty?')

    def sample(self, rng: np.random.Generator, n: int, size: int, max_scale: float = 2.0, device: torch.device | str = 'cpu') -> torch.Tensor:
        """n random crops as uint8 (n, 3, size, size) on `device` (resized there: on a GPU that is what keeps a
        16k-crop bank fast). Each covers size..max_scale*size source pixels (log-uniform), so the model sees several
        ground sample distances; smaller scenes are never upsampled beyond their size."""
        out = torch.empty((n, 3, size, size), dtype=torch.uint8, device=device)
        for i in range(n):
            c = torch.from_numpy(self._crop(rng, size, max_scale).copy()).to(device).permute(2, 0, 1)
            if c.shape[-1] != size:
                c = F.interpolate(c[None].float(), size=(size, size), mode='bilinear', antialias=True, align_corners=False)[0]
                c = c.round().clamp(0, 255).to(torch.uint8)
            out[i] = c
        return out


def dihedral(x: torch.Tensor, code: int) -> torch.Tensor:
    """One of the 8 symmetries of the square: code & 3 quarter turns, then a horizontal flip if code & 4."""
    x = torch.rot90(x, code & 3, dims=(-2, -1))
    return torch.flip(x, dims=(-1,)) if code & 4 else x


def random_dihedral(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """An independent random symmetry per sample (applied in 8 groups, not per sample, to keep it cheap)."""
    codes = torch.randint(0, 8, (x.shape[0],), generator=gen)
    out = torch.empty_like(x)
    for c in range(8):
        idx = (codes == c).nonzero().flatten()
        if idx.numel():
            idx = idx.to(x.device)
            out[idx] = dihedral(x[idx], c)
    return out
