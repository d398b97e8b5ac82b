#!/usr/bin/python3
"""PyTorch side of `npm run bench -- train-step`: the same head, weights, inputs and optimizer as the ONNX
training graph (bench/_train-step-model.ts), trained for a few steps with the step time split into forward,
backward and optimizer. Reads the weights and inputs the TypeScript side wrote (raw float32/int64 files + an
index), so both start from identical values; prints one JSON line.

Run by the benchmark (it needs the files the TypeScript side writes): bench/train-step.ts.
"""
import argparse
import json
import os
import re
import resource
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def blas_report():
    """Which BLAS torch's process has mapped, and a 2048² matmul rate (the reference BLAS does ~6 GFLOP/s)."""
    libs = set()
    with open('/proc/self/maps') as f:
        for line in f:
            m = re.search(r'/(lib(?:open)?blas[^/\s]*\.so[^/\s]*)$', line.strip())
            if m:
                libs.add(line.strip().split()[-1])
    a = torch.randn(2048, 2048)
    b = torch.randn(2048, 2048)
    torch.mm(a, b)
    t = time.perf_counter()
    for _ in range(3):
        torch.mm(a, b)
    gflops = 3 * 2 * 2048 ** 3 / (time.perf_counter() - t) / 1e9
    return sorted(libs), gflops


class ConvNorm(nn.Module):
    """detectron2 Conv2d with a `norm` child (no bias): names conv1.weight, conv1.norm.weight, ..."""

    def __init__(self, cin, cout, k, groups):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(cout, cin, k, k))
        self.norm = nn.GroupNorm(groups, cout)
        self.pad = k // 2

    def forward(self, x):
        return self.norm(F.conv2d(x, self.weight, padding=self.pad))


class Bottleneck(nn.Module):
    def __init__(self, cin, out, bott, groups):
        super().__init__()
        self.shortcut = ConvNorm(cin, out, 1, groups) if cin != out else None
        self.conv1 = ConvNorm(cin, bott, 1, groups)
        self.conv2 = ConvNorm(bott, bott, 3, groups)
        self.conv3 = ConvNorm(bott, out, 1, groups)

    def forward(self, x):
        s = self.shortcut(x) if self.shortcut is not None else x
        y = F.relu(self.conv1(x))
        y = F.relu(self.conv2(y))
        return F.relu(self.conv3(y) + s)


class ConvModule(nn.Module):
    def __init__(self, cin, cout, k):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, padding=k // 2, bias=False)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


def up(x, size):
    return F.interpolate(x, size=size, mode='bilinear', align_corners=False)


class Head(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        taps = [ch for s in c['scales'] for ch in s['taps']]
        self.fuser = nn.Module()
        self.fuser.weights = nn.Parameter(torch.ones(c['timesteps'] * len(taps)))
        self.fuser.proj = nn.ModuleList([Bottleneck(ch, c['proj'], c['bottleneck'], c['gnGroups']) for ch in taps])
        ch, p = c['channels'], c['proj']
        d = nn.Module()
        d.psp = nn.ModuleList([ConvModule(p, ch, 1) for _ in c['poolScales']])
        d.bottleneck = ConvModule(p + len(c['poolScales']) * ch, ch, 3)
        d.lateral = nn.ModuleList([ConvModule(p, ch, 1) for _ in c['scales'][:-1]])
        d.fpn = nn.ModuleList([ConvModule(ch, ch, 3) for _ in c['scales'][:-1]])
        d.fpn_bottleneck = ConvModule(len(c['scales']) * ch, ch, 3)
        d.cls = nn.Conv2d(ch, c['classes'], 1)
        self.decode = d

    def forward(self, taps, mask):
        c = self.c
        T, B, P = c['timesteps'], c['batch'], c['proj']
        w = torch.softmax(self.fuser.weights, 0).view(T, len(taps))
        feats, l = [], 0
        for s in c['scales']:
            acc = None
            for _ in s['taps']:
                phi = self.fuser.proj[l](taps[l]).view(T, B, P, s['size'], s['size'])
                term = (phi * w[:, l].view(T, 1, 1, 1, 1)).sum(0)
                acc = term if acc is None else acc + term
                l += 1
            feats.append(acc)
        d = self.decode
        last = feats[-1]
        size = last.shape[2:]
        psp = [up(m(F.adaptive_avg_pool2d(last, s)), size) for m, s in zip(d.psp, c['poolScales'])]
        laterals = [m(f) for m, f in zip(d.lateral, feats[:-1])] + [d.bottleneck(torch.cat([last] + psp, 1))]
        for i in range(len(laterals) - 1, 0, -1):
            laterals[i - 1] = laterals[i - 1] + up(laterals[i], laterals[i - 1].shape[2:])
        outs = [d.fpn[i](laterals[i]) for i in range(len(laterals) - 1)] + [laterals[-1]]
        outs = [o if o.shape[2:] == outs[0].shape[2:] else up(o, outs[0].shape[2:]) for o in outs]
        x = d.fpn_bottleneck(torch.cat(outs, 1))
        x = x * (mask / (1 - c['dropout']))  # Dropout2d with the mask the TypeScript side drew
        return up(d.cls(x), (c['labelSize'], c['labelSize']))


def load(data_dir, name, dtype, shape):
    return torch.from_numpy(np.fromfile(os.path.join(data_dir, name), dtype=dtype).reshape(shape))


def main():
    """Sets up, prints a `ready` line, then serves commands from stdin, one JSON line per command:
    `step` (one timed training step), `mem` (peak RSS so far), `quit`. The benchmark driver interleaves these
    with the onnxruntime side's steps, so load from other processes hits both sides alike."""
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', required=True)
    ap.add_argument('--config', required=True)
    ap.add_argument('--threads', type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    libs, gflops = blas_report()
    with open(os.path.join(a.data, f'{a.config}.json')) as f:
        index = json.load(f)
    c = index['config']
    model = Head(c)
    state = model.state_dict()
    seen = set()
    for e in index['weights']:
        if e['name'] not in state:
            sys.exit(f'weight {e["name"]} has no counterpart in the PyTorch model')
        state[e['name']].copy_(load(a.data, e['file'], np.float32, e['shape']))
        seen.add(e['name'])
    missing = [k for k in state if k not in seen and not k.endswith('num_batches_tracked')]
    if missing:
        sys.exit(f'PyTorch weights not provided by the TypeScript side: {missing[:5]}')
    taps = [load(a.data, e['file'], np.float32, e['shape']) for e in index['taps']]
    mask = load(a.data, index['mask']['file'], np.float32, index['mask']['shape'])
    labels = load(a.data, index['labels']['file'], np.int64, index['labels']['shape'])
    opt = torch.optim.Adam(model.parameters(), lr=index['lr'], betas=(0.9, 0.999), eps=1e-8, weight_decay=0)
    model.train()

    def reply(obj):
        sys.stdout.write(json.dumps(obj) + '\n')
        sys.stdout.flush()

    reply({'ready': True, 'torch': torch.__version__, 'threads': torch.get_num_threads(), 'blas_libs': libs,
           'matmul_gflops': gflops, 'mkldnn': torch.backends.mkldnn.is_available()})
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == 'step':
            t0 = time.perf_counter()
            loss = F.cross_entropy(model(taps, mask), labels)
            t1 = time.perf_counter()
            loss.backward()
            t2 = time.perf_counter()
            opt.step()
            opt.zero_grad(set_to_none=True)
            t3 = time.perf_counter()
            reply({'forward_s': t1 - t0, 'backward_s': t2 - t1, 'optimizer_s': t3 - t2, 'step_s': t3 - t0, 'loss': float(loss)})
        elif cmd == 'mem':
            reply({'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})
        elif cmd == 'quit':
            reply({'bye': True})
            return
        else:
            reply({'error': f'unknown command {cmd}'})


if __name__ == '__main__':
    main()
