#!/usr/bin/env python3
"""Early feature-quality signal: a linear probe on Dubai (tiles 1-5 train, tile 6 test), comparing the SatDiFuser
taps of a backbone with those of the same architecture randomly initialised and with raw pixels.

It is NOT the quality table of the model card (that one uses the app's fusion + UPerNet heads): here every 8x8-pixel
cell (one latent cell) gets the majority label of its pixels, the features of a cell are the taps of the three kept
inversion calls (t = 21, 61, 161) bilinearly resized to the 32² latent grid, or for raw pixels the cell's 8x8x3
values, and one multinomial logistic regression (standardised inputs, Adam, 300 full-batch steps, weight decay chosen on tile 5)
is trained per feature set.

    /usr/bin/python3 tools/train_backbone/probe.py --model models/satdifuser-tiny [--crops-per-image 2]
"""
from __future__ import annotations

import argparse
import glob
import json
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pyldm.safetensors_io import load_file  # noqa: E402
from pyldm.unet import UNet2DConditionModel, from_pretrained  # noqa: E402
from train_backbone.common import invert_taps  # noqa: E402
from train_backbone.gpu_main import load_shipped_tae  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
# ../shared/data/dubai/README.md: the mask colours (classes.json.original's colours are wrong)
COLOURS = {(60, 16, 152): 0, (132, 41, 246): 1, (110, 193, 228): 2, (254, 221, 58): 3, (226, 169, 41): 4, (155, 155, 155): 5}
CLASSES = ['building', 'land', 'road', 'vegetation', 'water', 'unlabeled']
CROP = 256
CELL = 8


def load_tile(shared: Path, tile: int, per_image: int) -> tuple[np.ndarray, np.ndarray]:
    """Crops (N, 256, 256, 3) uint8 and cell labels (N, 32, 32) int64 (-1 where no class has a majority)."""
    imgs, labs = [], []
    for f in sorted(glob.glob(str(shared / f'data/dubai/tile_{tile}/images/*.jpg'))):
        img = np.asarray(Image.open(f).convert('RGB'))
        m = np.asarray(Image.open(f.replace('/images/', '/masks/').replace('.jpg', '.png')).convert('RGB'))
        cls = np.full(m.shape[:2], -1, dtype=np.int64)
        for c, k in COLOURS.items():
            cls[(m == np.array(c, dtype=np.uint8)).all(-1)] = k
        h, w = img.shape[:2]
        corners = [(0, 0), (h - CROP, w - CROP), (0, w - CROP), (h - CROP, 0)][:per_image]
        for y, x in corners:
            imgs.append(img[y:y + CROP, x:x + CROP])
            c = cls[y:y + CROP, x:x + CROP].reshape(CROP // CELL, CELL, CROP // CELL, CELL).transpose(0, 2, 1, 3).reshape(CROP // CELL, CROP // CELL, -1)
            counts = np.stack([(c == k).sum(-1) for k in range(len(CLASSES))], -1)
            lab = counts.argmax(-1)
            lab[counts.max(-1) <= CELL * CELL // 2] = -1  # no majority (mostly unannotated or mixed): not scored
            labs.append(lab)
    return np.stack(imgs), np.stack(labs)


@torch.no_grad()
def tap_features(unet: UNet2DConditionModel, tae, scaling: float, prompt: torch.Tensor, crops: np.ndarray, batch: int = 9) -> torch.Tensor:
    """(N, C, 32, 32): the three kept calls' 4 scales each, resized to the latent grid, channels concatenated."""
    feats = []
    for b in range(0, len(crops), batch):
        x = torch.from_numpy(crops[b:b + batch]).permute(0, 3, 1, 2).float() / 255.0
        z = tae.encode(x) * scaling
        kept = [F.interpolate(g, size=z.shape[-2:], mode='bilinear', align_corners=False)
                for scales in invert_taps(unet, z, prompt).values() for g in scales]
        feats.append(torch.cat(kept, 1).half())  # fp16 halves the memory of ~100 crops x thousands of channels
    return torch.cat(feats).float()


def pixel_features(crops: np.ndarray) -> torch.Tensor:
    x = torch.from_numpy(crops).permute(0, 3, 1, 2).float() / 255.0
    return F.pixel_unshuffle(x, CELL)  # (N, 192, 32, 32): each cell's 8x8x3 values


WEIGHT_DECAYS = (1e-4, 1e-3, 1e-2, 1e-1)


def probe_selected(x: torch.Tensor, y: np.ndarray, tile_of: np.ndarray, test_x: torch.Tensor, test_y: np.ndarray) -> dict:
    """Weight decay chosen by mIoU on tile 5 with tiles 1-4 for training (thousands of features against ~45k cells
    overfit without it), then refit on tiles 1-5 and scored once on tile 6."""
    inner = tile_of < 5
    scores = {wd: probe(x[inner], y[inner], x[~inner], y[~inner], weight_decay=wd)['miou'] for wd in WEIGHT_DECAYS}
    best = max(scores, key=scores.get)
    return {**probe(x, y, test_x, test_y, weight_decay=best), 'weight_decay': best, 'tile5_miou_by_wd': scores}


def probe(train_x: torch.Tensor, train_y: np.ndarray, test_x: torch.Tensor, test_y: np.ndarray, steps: int = 300,
          weight_decay: float = 1e-4) -> dict:
    def flat(x: torch.Tensor, y: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        x = x.permute(0, 2, 3, 1).reshape(-1, x.shape[1])
        y = torch.from_numpy(y.reshape(-1))
        keep = y >= 0
        return x[keep], y[keep]

    xtr, ytr = flat(train_x, train_y)
    xte, yte = flat(test_x, test_y)
    mu, sd = xtr.mean(0), xtr.std(0) + 1e-6
    xtr, xte = (xtr - mu) / sd, (xte - mu) / sd
    torch.manual_seed(0)
    lin = torch.nn.Linear(xtr.shape[1], len(CLASSES))
    opt = torch.optim.Adam(lin.parameters(), lr=1e-2, weight_decay=weight_decay)
    for _ in range(steps):
        loss = F.cross_entropy(lin(xtr), ytr)
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        pred = lin(xte).argmax(1)
    ious = []
    for k in range(len(CLASSES)):
        inter = ((pred == k) & (yte == k)).sum().item()
        union = ((pred == k) | (yte == k)).sum().item()
        if union:
            ious.append(inter / union)
    return {'miou': 100 * float(np.mean(ious)), 'accuracy': 100 * (pred == yte).float().mean().item(), 'train_loss': loss.item(),
            'cells_train': int(ytr.numel()), 'cells_test': int(yte.numel())}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument('--model', required=True)
    ap.add_argument('--shared', default=str(REPO.parent / 'shared'))
    ap.add_argument('--crops-per-image', type=int, default=1)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--cache', default=str(REPO / 'tools/train_backbone/work/probe_cache'), help='feature cache folder ("" for none)')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    shared, folder = Path(args.shared), Path(args.model)
    tr = [load_tile(shared, t, args.crops_per_image) for t in range(1, 6)]
    train_crops, train_y = np.concatenate([a for a, _ in tr]), np.concatenate([b for _, b in tr])
    tile_of = np.concatenate([np.full(len(a), t) for t, (a, _) in zip(range(1, 6), tr)])
    test_crops, test_y = load_tile(shared, 6, args.crops_per_image)
    trained = from_pretrained(str(folder))
    torch.manual_seed(0)
    untrained = UNet2DConditionModel(trained.config).eval()  # diffusers' default init, same architecture
    tae, info = load_shipped_tae(folder)
    prompt = load_file(folder / 'prompt_embedding.safetensors')[0]['encoder_hidden_states']
    results = {}
    for name, unet in (('trained', trained), ('untrained', untrained)):
        stamp = '_'.join(f'{(folder / f).stat().st_size}-{int((folder / f).stat().st_mtime)}' for f in ('diffusion_pytorch_model.safetensors', 'tae_encoder.safetensors'))
        cache = Path(args.cache) / f'{folder.resolve().name}_{stamp}_{name}_{args.crops_per_image}.pt' if args.cache else None  # new weights, new key
        if cache and cache.exists():
            ftr, fte = torch.load(cache)
        else:
            ftr = tap_features(unet, tae, info['scaling_factor'], prompt, train_crops)
            fte = tap_features(unet, tae, info['scaling_factor'], prompt, test_crops)
            if cache:
                cache.parent.mkdir(parents=True, exist_ok=True)
                torch.save((ftr.half(), fte.half()), cache)
        results[name] = probe_selected(ftr.float(), train_y, tile_of, fte.float(), test_y)
        print(name, json.dumps(results[name]), flush=True)
    results['raw_pixels'] = probe_selected(pixel_features(train_crops), train_y, tile_of, pixel_features(test_crops), test_y)
    print('raw_pixels', json.dumps(results['raw_pixels']))
    print(f"probe: trained_miou={results['trained']['miou']:.1f} untrained_miou={results['untrained']['miou']:.1f} raw_pixels_miou={results['raw_pixels']['miou']:.1f}")


if __name__ == '__main__':
    main()
