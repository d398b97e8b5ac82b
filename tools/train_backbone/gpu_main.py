#!/usr/bin/env python3
"""Both training stages in one process, writing the finished model folder (8 files, see finish.py) to --out.

The GPU machine has Python 3.12, torch + CUDA, numpy, pillow; no rasterio, h5py or Node, hence the pre-built pack.
Launched by gpu_run.sh; on a CPU it runs the same code with a tiny budget (--preset toy) for testing."""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pyldm.safetensors_io import load_file  # noqa: E402
from pyldm.tae import TinyAutoencoder  # noqa: E402
from train_backbone import train_tae as T  # noqa: E402
from train_backbone import train_unet as U  # noqa: E402
from train_backbone.common import pick_device  # noqa: E402
from train_backbone.configs import unet_config  # noqa: E402
from train_backbone.data import ScenePack  # noqa: E402
from train_backbone.finish import finish_model  # noqa: E402


def load_shipped_tae(folder: Path) -> tuple[TinyAutoencoder, dict]:
    """The autoencoder of an existing model folder (backbone.json), to train only the UNet on its latent space."""
    info = json.loads((folder / 'backbone.json').read_text())['autoencoder']
    model = TinyAutoencoder.from_config(info)
    model.encoder.load_state_dict({k: v.float() for k, v in load_file(folder / info['encoder'])[0].items()})
    model.decoder.load_state_dict({k: v.float() for k, v in load_file(folder / info['decoder'])[0].items()})
    return model.eval(), info


def main() -> None:
    ap = argparse.ArgumentParser(description='train the default backbone (autoencoder, then UNet) and write the model folder')
    ap.add_argument('--pack', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--preset', choices=['gpu', 'toy'], default='gpu')
    ap.add_argument('--minutes-tae', type=float, default=2.5)
    ap.add_argument('--minutes-unet', type=float, default=4.5)
    ap.add_argument('--steps-tae', type=int, default=10**9)
    ap.add_argument('--steps-unet', type=int, default=10**9)
    ap.add_argument('--tae-from', help='model folder whose autoencoder to keep (skips stage 1)')
    ap.add_argument('--device', default='auto')
    ap.add_argument('--threads', type=int, default=0, help='CPU threads (0: torch default)')
    ap.add_argument('--bank', type=int, default=0, help='crops in the bank (0: the preset\'s; small values for dry runs)')
    args = ap.parse_args()
    t0 = time.monotonic()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = pick_device(args.device)
    if device.type == 'cuda':
        torch.set_float32_matmul_precision('high')  # TF32 for whatever autocast leaves in fp32
        torch.backends.cudnn.benchmark = True
        print(f'device {torch.cuda.get_device_name(0)}, torch {torch.__version__}')
    out = Path(args.out)
    work = Path(tempfile.mkdtemp(prefix='satdifuser-train-'))  # per-stage loss CSVs, merged into out/loss.csv
    tp, up = dict(T.PRESETS[args.preset]), dict(U.PRESETS[args.preset])
    if args.bank:
        tp['bank'] = up['bank'] = args.bank

    pack = ScenePack(args.pack)
    rng = np.random.default_rng(0)
    crops = pack.sample(rng, max(tp['bank'], up['bank']), up['crop'], device=device)  # one bank of uint8 crops serves both stages
    print(f'{len(pack.scenes)} scenes, bank {tuple(crops.shape)} in {time.monotonic() - t0:.0f}s')

    if args.tae_from:
        tae, tae_cfg = load_shipped_tae(Path(args.tae_from))
        (work / 'tae_loss.csv').unlink(missing_ok=True)
    else:
        tae = T.build_model(tp)
        info = T.train_tae(pack, tae, work, device=device, preset=tp, max_steps=args.steps_tae, seconds=args.minutes_tae * 60,
                           bank=crops[: tp['bank']])
        info.pop('val_psnr_db_per_crop', None)
        tae_cfg = {**tae.config(), 'scaling_factor': info['scaling_factor'], 'latent_std': info['latent_std'],
                   'latent_mean': info['latent_mean'], 'training': info}
    tae = tae.to(device).eval()
    bank = U.encode_bank(tae, crops[: up['bank']], tae_cfg['scaling_factor'], device, seed=1)
    val = U.encode_bank(tae, U.val_crops_u8(pack, up), tae_cfg['scaling_factor'], device, seed=2)
    print(f'latent bank {tuple(bank.shape)} std {bank.float().std().item():.3f} after {time.monotonic() - t0:.0f}s')
    unet, prompt, summary = U.train_unet(bank, val, unet_config(up['unet']), work, device=device, preset=up,
                                         max_steps=args.steps_unet, seconds=args.minutes_unet * 60)
    summary['device'] = torch.cuda.get_device_name(0) if device.type == 'cuda' else 'cpu'
    finish_model(work, unet, prompt, tae, tae_cfg, summary, crops[-8:], device, out=out)
    files = sorted(p for p in out.iterdir())
    print(f'wrote {len(files)} files to {out} in {time.monotonic() - t0:.0f}s: ' + ', '.join(f'{p.name} ({p.stat().st_size / 2**20:.2f} MiB)' for p in files))


if __name__ == '__main__':
    main()
