"""Runs a TAESD-family encoder checkpoint (.pth state dict) on an NCHW float32 .npy in [0, 1]; used live by the
TAEF2 test (test/engine/backbone/taef2.test.ts), which needs ../shared and Debian's python3-torch.

    /usr/bin/python3 tools/reference/run_tae.py ENCODER.pth LATENT_CHANNELS MIDBLOCK_GN(0|1) IN.npy OUT.npy
"""
import sys

import numpy as np
import torch

import tae_encoder

pth, lat, gn, src, dst = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1", sys.argv[4], sys.argv[5]
enc = tae_encoder.build(tae_encoder.taesd_spec(lat, gn)).eval()
sd = torch.load(pth, map_location="cpu", weights_only=True)
enc.load_state_dict({k: v.float() for k, v in sd.items()}, strict=True)
with torch.no_grad():
    out = enc(torch.from_numpy(np.load(src)))
np.save(dst, out.numpy().astype(np.float32))
