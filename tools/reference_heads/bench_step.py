#!/usr/bin/python3
"""PyTorch side of `npm run bench -- heads`: training-step time of the reference head (heads.py) for the same
configuration, batch, thread count, loss (weighted cross-entropy, ignore 255) and optimizer (Adam, lr 0.01) as the
ONNX training graph. Random weights and inputs (timing only; correctness is what test/fixtures/heads checks).

    /usr/bin/python3 tools/reference_heads/bench_step.py '<config json>'

config: the head (task, fusion, tapDims, scaleSizes, timesteps, projection, bottleneck, normGroups,
decoderChannels, poolScales, numClasses, numExperts, topK) plus batch, outSize, steps, threads.
Prints one JSON line: step_ms (median), steps, blas (mapped libraries), matmul_gflops, peak_rss_mb.
"""
import json
import os
import resource
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'bench_torch'))
from heads import Head, head_loss  # noqa: E402
from train_step import blas_report  # noqa: E402  (the training-engine benchmark's check of the BLAS torch uses)


def main():
    cfg = json.loads(sys.argv[1])
    torch.set_num_threads(cfg.get('threads', 2))
    torch.manual_seed(0)
    libs, gflops = blas_report()
    model = Head(cfg)
    if cfg['fusion'] == 'moe':
        model.fuser.dense = False
    model.train()
    B, T = cfg['batch'], cfg['timesteps']
    feats = [[torch.randn(B, sum(d), s, s) for d, s in zip(cfg['tapDims'], cfg['scaleSizes'])] for _ in range(T)]
    out = tuple(cfg['outSize'])
    if cfg['task'] == 'seg':
        labels = torch.randint(0, cfg['numClasses'], (B,) + out)
        mask = (torch.rand(B, cfg['decoderChannels'], 1, 1) >= 0.1).float() / 0.9
    else:
        labels = torch.randint(0, cfg['numClasses'], (B,))
        mask = None
    weights = torch.rand(cfg['numClasses']) + 0.5
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    times = []
    for i in range(cfg.get('steps', 3) + 1):
        t = time.perf_counter()
        opt.zero_grad()
        loss, _, _ = head_loss(model, cfg, feats, labels, weights, out, mask)
        loss.backward()
        opt.step()
        if i > 0:
            times.append((time.perf_counter() - t) * 1000)
    times.sort()
    print(json.dumps({'step_ms': times[len(times) // 2], 'steps': len(times), 'blas': libs, 'matmul_gflops': gflops,
                      'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == '__main__':
    main()
