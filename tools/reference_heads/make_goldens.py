"""Writes golden forward outputs and gradients of the reference heads (heads.py) for tiny random shapes into
test/fixtures/heads/, so the TypeScript ONNX graphs are checked against an independent implementation.

Run with Debian's torch:  /usr/bin/python3 tools/reference_heads/make_goldens.py
Everything is computed in float64 and stored as float32 (the TypeScript graphs run in float32).

inputs.safetensors: feats.t{t}.s{s} (B, C_s, H_s, W_s), seg_labels (B, H, W) uint8 with 255 = ignore,
  cls_labels (B,) uint8, class_weights_seg / class_weights_cls, dropout_mask (B, Ch, 1, 1) already scaled by 1/(1-p).
<task>_<fusion>[_<mode>].safetensors: param.<name>, grad.<name> (of the training loss), state.<bn>.running_mean|var
  (the values the eval forward used), out.loss, out.logits_train, out.logits_eval, out.fused.s{k} (train mode);
  seg_gw also adam2.<name>: parameters and BatchNorm statistics after two torch.optim.Adam(lr=0.01) steps;
  metadata "config" holds the head configuration as JSON.
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))  # tools/, for pyldm
from heads import Head, head_loss  # noqa: E402
from pyldm.safetensors_io import save_file  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'heads')


def write(path, arrays, metadata):
    save_file({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in arrays.items()}, path, metadata)

BASE = dict(tapDims=[[6] * 6, [8] * 6, [12] * 6, [12] * 3], scaleSizes=[16, 8, 4, 2], timesteps=2, projection=16,
            bottleneck=4, normGroups=2, decoderChannels=8, poolScales=[1, 2, 3, 6], numExperts=4, topK=2)
B = 2
OUT_SIZE = (30, 30)  # not a multiple of the finest map (16): exercises PyTorch's bilinear edge rule
SEG_CLASSES, CLS_CLASSES = 5, 4
DROPOUT_P = 0.1


def make_inputs(g):
    feats = [[torch.randn(B, sum(d), s, s, generator=g, dtype=torch.float64) for d, s in zip(BASE['tapDims'], BASE['scaleSizes'])]
             for _ in range(BASE['timesteps'])]
    seg = torch.randint(0, SEG_CLASSES, (B,) + OUT_SIZE, generator=g)
    seg[torch.rand(seg.shape, generator=g) < 0.1] = 255
    cls = torch.randint(0, CLS_CLASSES, (B,), generator=g)
    keep = (torch.rand(B, BASE['decoderChannels'], 1, 1, generator=g) >= DROPOUT_P).double() / (1 - DROPOUT_P)
    w_seg = torch.rand(SEG_CLASSES, generator=g, dtype=torch.float64) + 0.5
    w_cls = torch.rand(CLS_CLASSES, generator=g, dtype=torch.float64) + 0.5
    return feats, seg, cls, keep, w_seg, w_cls


def perturb(model, g):
    """Moves every parameter away from its init (ones, zeros) so no gradient is trivially symmetric."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith('temperature'):
                p.fill_(0.7)
            elif name.endswith('mixing_weights') or (p.dim() == 1 and name.endswith('weight')):
                p.copy_(1 + 0.3 * torch.randn(p.shape, generator=g, dtype=p.dtype))
            elif p.dim() == 1:
                p.copy_(0.2 * torch.randn(p.shape, generator=g, dtype=p.dtype))


def task_loss(model, cfg, inputs):
    feats, seg, cls, keep, w_seg, w_cls = inputs
    if cfg['task'] == 'seg':
        return head_loss(model, cfg, feats, seg, w_seg, OUT_SIZE, keep)
    return head_loss(model, cfg, feats, cls, w_cls)


def adam_steps(model, cfg, inputs, steps=2, lr=0.01):
    """Two torch.optim.Adam steps on the same batch from the model's current state: params and BN statistics after."""
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    for _ in range(steps):
        opt.zero_grad()
        loss, _, _ = task_loss(model, cfg, inputs)
        loss.backward()
        opt.step()
    out = {f'adam{steps}.{k}': p.detach().float().numpy() for k, p in model.flat_named_parameters()}
    for k, v in model.flat_state().items():
        if 'running_' in k:
            out[f'adam{steps}.{k}'] = v.float().numpy()
    return out


def run_case(name, cfg, inputs, g, dense=None, adam=False):
    feats = inputs[0]
    torch.manual_seed(1234)
    model = Head(cfg).double()
    perturb(model, g)
    if dense is not None:
        model.fuser.dense = dense
    params = {k: p.detach().clone() for k, p in model.flat_named_parameters()}
    adam_out = {}
    if adam:
        twin = Head(cfg).double()
        twin.load_state_dict(model.state_dict())
        if dense is not None:
            twin.fuser.dense = dense
        adam_out = adam_steps(twin, cfg, inputs)
    if cfg['fusion'] == 'moe':
        # float32 must pick the same experts as float64: keep the k-th / (k+1)-th gate logits well apart
        with torch.no_grad():
            for s, moe in enumerate(model.fuser.scale_moes):
                for t in range(cfg['timesteps']):
                    top = torch.topk(moe.gate(feats[t][s]), cfg['topK'] + 1, dim=1).values
                    gap = (top[:, -2] - top[:, -1]).min().item()
                    assert gap > 1e-3, f'{name}: top-k gap {gap} at scale {s}, timestep {t}; change the seed'
    model.train()
    loss, logits, fused = task_loss(model, cfg, inputs)
    loss.backward()
    tensors = {f'param.{k}': v.float().numpy() for k, v in params.items()}
    tensors.update({f'grad.{k}': p.grad.float().numpy() for k, p in model.flat_named_parameters()})
    tensors.update(adam_out)
    tensors['out.loss'] = np.array([loss.item()], dtype=np.float32)
    tensors['out.logits_train'] = logits.detach().float().numpy()
    for k, f in enumerate(fused):
        tensors[f'out.fused.s{k}'] = f.detach().float().numpy()
    # eval: BatchNorm uses running statistics; give them values far from the defaults so folding is tested
    model.eval()
    with torch.no_grad():
        for mod_name, m in model.named_modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.copy_(0.3 * torch.randn(m.num_features, generator=g, dtype=torch.float64))
                m.running_var.copy_(0.5 + torch.rand(m.num_features, generator=g, dtype=torch.float64))
                short = mod_name.split('.', 1)[1]
                tensors[f'state.{short}.running_mean'] = m.running_mean.float().numpy()
                tensors[f'state.{short}.running_var'] = m.running_var.float().numpy()
        out = model(feats, OUT_SIZE) if cfg['task'] == 'seg' else model(feats)
        tensors['out.logits_eval'] = out[0].float().numpy()
    meta_cfg = dict(cfg, batch=B, outputSize=list(OUT_SIZE), dropoutP=DROPOUT_P, moeMode=None if dense is None else ('dense' if dense else 'topk'))
    write(os.path.join(OUT, f'{name}.safetensors'), tensors, {'config': json.dumps(meta_cfg)})
    return loss.item()


def main():
    os.makedirs(OUT, exist_ok=True)
    g = torch.Generator().manual_seed(42)
    inputs = make_inputs(g)
    feats, seg, cls, keep, w_seg, w_cls = inputs
    t = {f'feats.t{ti}.s{si}': x.float().numpy() for ti, row in enumerate(feats) for si, x in enumerate(row)}
    t.update(seg_labels=seg.numpy().astype(np.uint8), cls_labels=cls.numpy().astype(np.uint8), dropout_mask=keep.float().numpy(),
             class_weights_seg=w_seg.float().numpy(), class_weights_cls=w_cls.float().numpy())
    write(os.path.join(OUT, 'inputs.safetensors'), t, {'base': json.dumps(BASE)})
    cases = [
        ('seg_gw', dict(BASE, task='seg', fusion='gw', numClasses=SEG_CLASSES), None, True),
        ('seg_lw', dict(BASE, task='seg', fusion='lw', numClasses=SEG_CLASSES), None),
        ('seg_moe_dense', dict(BASE, task='seg', fusion='moe', numClasses=SEG_CLASSES), True),
        ('seg_moe_topk', dict(BASE, task='seg', fusion='moe', numClasses=SEG_CLASSES), False),
        ('seg_concat', dict(BASE, task='seg', fusion='concat', numClasses=SEG_CLASSES), None),
        ('cls_gw', dict(BASE, task='cls', fusion='gw', numClasses=CLS_CLASSES), None),
        ('cls_lw', dict(BASE, task='cls', fusion='lw', numClasses=CLS_CLASSES), None),
        ('cls_moe_topk', dict(BASE, task='cls', fusion='moe', numClasses=CLS_CLASSES), False),
        ('cls_concat', dict(BASE, task='cls', fusion='concat', numClasses=CLS_CLASSES), None),
    ]
    for name, cfg, dense, *adam in cases:
        loss = run_case(name, cfg, inputs, g, dense, adam=bool(adam and adam[0]))
        print(f'{name}: loss {loss:.6f}')


if __name__ == '__main__':
    main()
