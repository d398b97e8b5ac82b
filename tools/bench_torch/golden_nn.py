#!/usr/bin/python3
"""Golden values from PyTorch for the ops whose semantics the training engine copies.

Run with Debian's Python (torch 1.13):  /usr/bin/python3 tools/bench_torch/golden_nn.py
Writes test/fixtures/nn/torch_golden.json (small: every tensor is a few dozen values). Inputs are generated
here from a fixed seed and stored alongside the outputs, so the TypeScript tests feed exactly the same numbers.
"""
import json
import math
import os
import sys

import torch
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'nn', 'torch_golden.json')


def flat(t):
    # 12 significant digits: far below the tests' tolerances, and half the file size of full precision.
    return [float('%.12g' % v) for v in t.detach().reshape(-1).tolist()]


def tensor(t):
    return {'shape': list(t.shape), 'data': flat(t)}


def grads_of(out, inputs, seed):
    g = torch.Generator().manual_seed(seed)
    r = torch.randn(out.shape, generator=g)
    (out * r).sum().backward()
    return r, [i.grad.clone() for i in inputs]


golden = {'torch': torch.__version__}

# Bilinear resize (align_corners=False, explicit size) and adaptive average pooling, on random maps.
resize = []
for (h, w, oh, ow) in [(4, 4, 8, 8), (4, 4, 32, 32), (5, 7, 3, 4), (8, 8, 16, 16), (7, 5, 13, 9), (32, 32, 8, 8), (3, 3, 1, 1), (4, 4, 4, 4), (2, 6, 5, 6)]:
    x = torch.randn(1, 2, h, w) if max(h, w, oh, ow) < 16 else torch.randn(1, 1, h, w)
    y = F.interpolate(x, size=(oh, ow), mode='bilinear', align_corners=False)
    yac = F.interpolate(x, size=(oh, ow), mode='bilinear', align_corners=True)
    resize.append({'x': tensor(x), 'size': [oh, ow], 'y': tensor(y), 'y_align_corners': tensor(yac)})
golden['resize_bilinear'] = resize

pool = []
for (h, w, oh, ow) in [(4, 4, 3, 3), (4, 4, 6, 6), (8, 8, 3, 3), (7, 5, 3, 2), (4, 4, 1, 1), (4, 4, 2, 2), (5, 5, 6, 6), (32, 32, 6, 6)]:
    x = torch.randn(1, 2, h, w) if max(h, w) < 16 else torch.randn(1, 1, h, w)
    pool.append({'x': tensor(x), 'size': [oh, ow], 'y': tensor(F.adaptive_avg_pool2d(x, (oh, ow)))})
golden['adaptive_avg_pool'] = pool

# Cross-entropy: dense targets with ignore_index and class weights; [N, C] targets unweighted.
ce = []
for case in [
    {'shape': [2, 4, 3, 3], 'ignore': -100, 'weights': [0.5, 2.0, 1.0, 0.25], 'n_ignored': 4},
    {'shape': [2, 4, 3, 3], 'ignore': 255, 'weights': None, 'n_ignored': 3},
    {'shape': [5, 3], 'ignore': -100, 'weights': None, 'n_ignored': 0},
    {'shape': [5, 3], 'ignore': 1, 'weights': [1.0, 3.0, 0.5], 'n_ignored': 0},
]:
    logits = torch.randn(*case['shape'], requires_grad=True)
    tshape = [case['shape'][0]] + case['shape'][2:]
    target = torch.randint(0, case['shape'][1], tshape)
    flat_t = target.view(-1)
    for i in torch.randperm(flat_t.numel())[:case['n_ignored']]:
        flat_t[i] = case['ignore']
    weight = torch.tensor(case['weights']) if case['weights'] else None
    loss = F.cross_entropy(logits, target, weight=weight, ignore_index=case['ignore'])
    loss.backward()
    ce.append({'logits': tensor(logits), 'target': [int(v) for v in target.reshape(-1).tolist()], 'target_shape': tshape,
               'ignore_index': case['ignore'], 'weights': case['weights'], 'loss': float(loss), 'grad': flat(logits.grad)})
golden['cross_entropy'] = ce

bce = []
for pos in [None, [1.0, 2.0, 0.5, 3.0]]:
    logits = (torch.randn(3, 4) * 3).requires_grad_()
    target = torch.rand(3, 4)
    loss = F.binary_cross_entropy_with_logits(logits, target, pos_weight=torch.tensor(pos) if pos else None)
    loss.backward()
    bce.append({'logits': tensor(logits), 'target': tensor(target), 'pos_weight': pos, 'loss': float(loss), 'grad': flat(logits.grad)})
golden['bce_with_logits'] = bce

# GroupNorm(4, 8) forward and gradients of Σ y·R.
x = torch.randn(2, 8, 3, 3, requires_grad=True)
gn = torch.nn.GroupNorm(4, 8)
with torch.no_grad():
    gn.weight.copy_(torch.randn(8))
    gn.bias.copy_(torch.randn(8))
y = gn(x)
r, (dx, dw, db) = grads_of(y, [x, gn.weight, gn.bias], 1)
golden['group_norm'] = {'x': tensor(x), 'weight': flat(gn.weight), 'bias': flat(gn.bias), 'groups': 4, 'y': tensor(y), 'r': flat(r), 'dx': flat(dx), 'dweight': flat(dw), 'dbias': flat(db)}

# BatchNorm2d in training mode: output, updated running statistics, gradients.
x = torch.randn(3, 4, 2, 2, requires_grad=True)
bn = torch.nn.BatchNorm2d(4)
with torch.no_grad():
    bn.weight.copy_(torch.randn(4))
    bn.bias.copy_(torch.randn(4))
    bn.running_mean.copy_(torch.randn(4))
    bn.running_var.copy_(torch.rand(4) + 0.5)
rm0, rv0 = bn.running_mean.clone(), bn.running_var.clone()
bn.train()
y = bn(x)
r, (dx, dw, db) = grads_of(y, [x, bn.weight, bn.bias], 2)
golden['batch_norm_train'] = {'x': tensor(x), 'weight': flat(bn.weight), 'bias': flat(bn.bias), 'running_mean': flat(rm0), 'running_var': flat(rv0),
                              'y': tensor(y), 'r': flat(r), 'dx': flat(dx), 'dweight': flat(dw), 'dbias': flat(db),
                              'new_running_mean': flat(bn.running_mean), 'new_running_var': flat(bn.running_var)}

# Adam / AdamW: three steps with given gradients and per-step learning rates; clip_grad_norm_ first.
def optimizer_run(kind, wd, clip):
    p1 = torch.nn.Parameter(torch.tensor([0.5, -1.0, 2.0, 0.0, 3.0]))
    p2 = torch.nn.Parameter(torch.tensor([[0.1, 0.2], [-0.3, 0.4]]))
    cls = torch.optim.AdamW if kind == 'adamw' else torch.optim.Adam
    opt = cls([p1, p2], lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=wd)
    g = torch.Generator().manual_seed(3)
    steps = []
    for lr in [0.01, 0.005, 0.02]:
        for group in opt.param_groups:
            group['lr'] = lr
        g1, g2 = torch.randn(5, generator=g), torch.randn(2, 2, generator=g)
        p1.grad, p2.grad = g1.clone(), g2.clone()
        norm = None
        if clip is not None:
            norm = float(torch.nn.utils.clip_grad_norm_([p1, p2], clip))
        opt.step()
        steps.append({'lr': lr, 'grads': [flat(g1), flat(g2)], 'total_norm': norm, 'params': [flat(p1), flat(p2)]})
    return {'kind': kind, 'weight_decay': wd, 'clip': clip, 'init': [[0.5, -1.0, 2.0, 0.0, 3.0], [0.1, 0.2, -0.3, 0.4]], 'steps': steps}

golden['optimizers'] = [optimizer_run('adam', 0.0, None), optimizer_run('adam', 1e-2, None), optimizer_run('adamw', 1e-2, None), optimizer_run('adam', 0.0, 0.5), optimizer_run('adamw', 0.05, 1.0)]

os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, 'w') as f:
    json.dump(golden, f, separators=(',', ':'), allow_nan=False)
print('wrote', os.path.normpath(OUT), os.path.getsize(OUT), 'bytes', file=sys.stderr)
