#!/usr/bin/env python3
"""Cross-check the app's feature extraction against PyTorch for a shipped model folder.

    node bin/satdifuser.mjs features --backbone models/satdifuser-tiny --image resources/sample/L7_ETMs.tif \
        --window 0,0,256,256 --bands 3,2,1 --out /tmp/feat
    /usr/bin/python3 tools/train_backbone/check_ts_features.py --model models/satdifuser-tiny --features /tmp/feat --size 256

Recomputes the same window in PyTorch (tae.py encoder x scaling_factor, then SatDiFuser's 10-call inversion with the
UNet output used as ε, taps of the calls at t = 21, 61, 161 grouped per scale) and prints the largest absolute and
relative difference per tap file; exits 1 if any relative difference exceeds --tol."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pyldm.safetensors_io import load_file  # noqa: E402
from pyldm.unet import from_pretrained  # noqa: E402
from train_backbone.common import RELEASE_LABELS, invert_taps  # noqa: E402
from train_backbone.gpu_main import load_shipped_tae  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument('--model', required=True)
    ap.add_argument('--features', required=True, help='the --out folder of `satdifuser features --backbone`')
    ap.add_argument('--image', default=str(REPO / 'resources/sample/L7_ETMs.tif'))
    ap.add_argument('--bands', default='3,2,1')
    ap.add_argument('--size', type=int, default=256, help='window 0,0,size,size')
    ap.add_argument('--tol', type=float, default=1e-4)
    args = ap.parse_args()
    import rasterio

    torch.set_num_threads(1)
    folder = Path(args.model)
    unet = from_pretrained(str(folder))
    tae, info = load_shipped_tae(folder)
    pe = load_file(folder / 'prompt_embedding.safetensors')[0]['encoder_hidden_states']
    bands = tuple(int(b) for b in args.bands.split(','))
    with rasterio.open(args.image) as ds:
        a = ds.read(bands, window=((0, args.size), (0, args.size))).astype(np.float32) / 255.0  # uint8 full range, as the app scales it
    worst = 0.0
    with torch.no_grad():
        z = tae.encode(torch.from_numpy(a)[None]) * info['scaling_factor']
    for i, scales in invert_taps(unet, z, pe).items():
        label = RELEASE_LABELS[i]
        for k, g in enumerate(scales):
            ts = np.load(Path(args.features) / f't{label}_s{k + 1}.npy')
            diff = float(np.abs(g.numpy() - ts).max())
            rel = diff / max(float(np.abs(g.numpy()).max()), 1e-12)
            worst = max(worst, rel)
            print(f't{label}_s{k + 1}: shape {tuple(ts.shape)}, max |Δ| {diff:.3g}, relative {rel:.3g}')
    print(f'worst relative difference {worst:.3g} (tolerance {args.tol})')
    sys.exit(0 if worst <= args.tol else 1)


if __name__ == '__main__':
    main()
