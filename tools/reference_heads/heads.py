"""PyTorch reference of the SatDiFuser fusion modules and decoders (method.md §3-4), written independently of the
TypeScript so the ONNX graphs in src/engine/heads can be checked against it.

Parameter names follow the release's state dicts (archs/aggregation_networks.py, archs/segmenters.py,
archs/classifiers.py, detectron2's BottleneckBlock), so a checkpoint of either side loads into the other.

Features come in as feats[t][s]: timestep index t in the fusion order (descending release label, i.e. increasing
noise: 47, 45, 40), scale s widest first, each (B, sum(tap_dims[s]), H_s, W_s) with taps concatenated in tap order.

Two things the release does not have are defined here (docs/heads.md):
- ConcatFuser, the paper's "simple concatenation" baseline: per scale, all taps of all timesteps concatenated
  (timestep-major) -> 1x1 conv (no bias) -> GroupNorm -> ReLU to P channels.
- MoE routing is chosen explicitly (dense=True/False) instead of by a non-persistent forward counter.
"""
import torch
from torch import nn
import torch.nn.functional as F


def c2_msra_fill(conv):
    # detectron2's c2_msra_fill: He normal with fan_out, zero bias
    nn.init.kaiming_normal_(conv.weight, mode='fan_out', nonlinearity='relu')
    if conv.bias is not None:
        nn.init.zeros_(conv.bias)


class ConvNorm(nn.Conv2d):
    """detectron2's Conv2d wrapper: a conv with its GroupNorm held as the child `norm`."""

    def __init__(self, cin, cout, k, groups_norm, padding=0):
        super().__init__(cin, cout, k, padding=padding, bias=False)
        self.norm = nn.GroupNorm(groups_norm, cout)

    def forward(self, x):
        return self.norm(F.conv2d(x, self.weight, None, 1, self.padding))


class Bottleneck(nn.Module):
    """Phi: 1x1 -> P/4, 3x3, 1x1 -> P, each with GroupNorm; conv + GN shortcut when C != P; ReLU after the add."""

    def __init__(self, cin, cout, bottleneck, groups):
        super().__init__()
        self.shortcut = ConvNorm(cin, cout, 1, groups) if cin != cout else None
        self.conv1 = ConvNorm(cin, bottleneck, 1, groups)
        self.conv2 = ConvNorm(bottleneck, bottleneck, 3, groups, padding=1)
        self.conv3 = ConvNorm(bottleneck, cout, 1, groups)
        for layer in (self.conv1, self.conv2, self.conv3, self.shortcut):
            if layer is not None:
                c2_msra_fill(layer)

    def forward(self, x):
        y = F.relu(self.conv1(x))
        y = F.relu(self.conv2(y))
        y = self.conv3(y)
        y = y + (self.shortcut(x) if self.shortcut is not None else x)
        return F.relu(y)


def phi(cin, cfg):
    # nn.Sequential(*make_stage(...)) with one block: state-dict prefix "<i>.0."
    return nn.Sequential(Bottleneck(cin, cfg['projection'], cfg['bottleneck'], cfg['normGroups']))


def split_taps(x, dims):
    out, c = [], 0
    for d in dims:
        out.append(x[:, c:c + d])
        c += d
    return out


class GWFuser(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.bottleneck_layers = nn.ModuleList([phi(d, cfg) for dims in cfg['tapDims'] for d in dims])
        self.mixing_weights = nn.Parameter(torch.ones(len(self.bottleneck_layers) * cfg['timesteps']))

    def forward(self, feats):
        w = F.softmax(self.mixing_weights, dim=0)
        L = len(self.bottleneck_layers)
        out, base = [], 0
        for s, dims in enumerate(self.cfg['tapDims']):
            acc = None
            for t in range(self.cfg['timesteps']):
                for l, x in enumerate(split_taps(feats[t][s], dims)):
                    y = w[t * L + base + l] * self.bottleneck_layers[base + l](x)
                    acc = y if acc is None else acc + y
            out.append(acc)
            base += len(dims)
        return out


class LWPerScale(nn.Module):
    def __init__(self, cin, k):
        super().__init__()
        self.gate_conv = nn.Conv2d(cin, k, 1)

    def forward(self, stacked):  # (B, K, C, H, W)
        w = F.softmax(self.gate_conv(stacked.mean(dim=1)), dim=1)
        return (w.unsqueeze(2) * stacked).sum(dim=1)


class LWFuser(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.bottleneck_layers = nn.ModuleList([phi(d, cfg) for dims in cfg['tapDims'] for d in dims])
        self.gate_modules = nn.ModuleList([LWPerScale(cfg['projection'], cfg['timesteps'] * len(dims)) for dims in cfg['tapDims']])

    def forward(self, feats):
        out, base = [], 0
        for s, dims in enumerate(self.cfg['tapDims']):
            maps = []
            for t in range(self.cfg['timesteps']):  # timestep-major, then tap order
                for l, x in enumerate(split_taps(feats[t][s], dims)):
                    maps.append(self.bottleneck_layers[base + l](x))
            out.append(self.gate_modules[s](torch.stack(maps, dim=1)))
            base += len(dims)
        return out


class MoEPerScale(nn.Module):
    def __init__(self, cin, cfg):
        super().__init__()
        self.top_k = cfg['topK']
        self.experts = nn.ModuleList([phi(cin, cfg) for _ in range(cfg['numExperts'])])
        self.gate_network = nn.Sequential(nn.Conv2d(cin, cfg['numExperts'], 3, padding=1), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.temperature = nn.Parameter(torch.tensor(1.0))

    def gate(self, x):
        return self.gate_network(x) / self.temperature

    def forward(self, x, dense):
        logits = self.gate(x)  # (B, E)
        if dense:
            w = F.softmax(logits, dim=1)
        else:
            top, idx = torch.topk(logits, self.top_k, dim=1)
            w = torch.zeros_like(logits).scatter(1, idx, F.softmax(top, dim=1))
        # every expert runs on every sample; a zero weight removes it exactly (same values as the release's routing)
        return sum(w[:, e].view(-1, 1, 1, 1) * expert(x) for e, expert in enumerate(self.experts))


class MoEFuser(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.scale_moes = nn.ModuleList([MoEPerScale(sum(dims), cfg) for dims in cfg['tapDims']])
        self.dense = True

    def forward(self, feats):
        T = self.cfg['timesteps']
        return [torch.stack([self.scale_moes[s](feats[t][s], self.dense) for t in range(T)], 0).mean(0)
                for s in range(len(self.cfg['tapDims']))]


class ConcatProj(nn.Module):
    def __init__(self, cin, cfg):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(cfg['projection'], cin, 1, 1))
        self.norm = nn.GroupNorm(cfg['normGroups'], cfg['projection'])
        nn.init.kaiming_normal_(self.weight, mode='fan_out', nonlinearity='relu')

    def forward(self, x):
        return F.relu(self.norm(F.conv2d(x, self.weight)))


class ConcatFuser(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.concat_projs = nn.ModuleList([ConcatProj(cfg['timesteps'] * sum(dims), cfg) for dims in cfg['tapDims']])

    def forward(self, feats):
        T = self.cfg['timesteps']
        return [self.concat_projs[s](torch.cat([feats[t][s] for t in range(T)], dim=1)) for s in range(len(self.cfg['tapDims']))]


FUSERS = {'gw': GWFuser, 'lw': LWFuser, 'moe': MoEFuser, 'concat': ConcatFuser}


def conv_bn_relu(cin, cout, k):
    return nn.Sequential(nn.Conv2d(cin, cout, k, padding=k // 2), nn.BatchNorm2d(cout), nn.ReLU())


class UPerNet(nn.Module):
    """mmseg UPerHead as the release builds it: PPM on the coarsest map, FPN, fuse, Dropout2d, 1x1 classifier."""

    def __init__(self, cfg):
        super().__init__()
        P, Ch, n = cfg['projection'], cfg['decoderChannels'], len(cfg['tapDims'])
        self.pool_scales = cfg['poolScales']
        self.psp_modules = nn.ModuleList([nn.Sequential(nn.AdaptiveAvgPool2d(p), nn.Conv2d(P, Ch, 1), nn.BatchNorm2d(Ch), nn.ReLU())
                                          for p in self.pool_scales])
        self.bottleneck = conv_bn_relu(P + len(self.pool_scales) * Ch, Ch, 3)
        self.lateral_convs = nn.ModuleList([conv_bn_relu(P, Ch, 1) for _ in range(n - 1)])
        self.fpn_convs = nn.ModuleList([conv_bn_relu(Ch, Ch, 3) for _ in range(n - 1)])
        self.fpn_bottleneck = conv_bn_relu(n * Ch, Ch, 3)
        self.conv_seg = nn.Conv2d(Ch, cfg['numClasses'], 1)

    def forward(self, xs, out_size, dropout_mask=None):
        top = xs[-1]
        psp = [top] + [F.interpolate(m(top), size=top.shape[2:], mode='bilinear', align_corners=False) for m in self.psp_modules]
        lat = [c(xs[i]) for i, c in enumerate(self.lateral_convs)] + [self.bottleneck(torch.cat(psp, 1))]
        for i in range(len(lat) - 1, 0, -1):
            lat[i - 1] = lat[i - 1] + F.interpolate(lat[i], size=lat[i - 1].shape[2:], mode='bilinear', align_corners=False)
        outs = [self.fpn_convs[i](lat[i]) for i in range(len(lat) - 1)] + [lat[-1]]
        outs = [outs[0]] + [F.interpolate(o, size=outs[0].shape[2:], mode='bilinear', align_corners=False) for o in outs[1:]]
        y = self.fpn_bottleneck(torch.cat(outs, 1))
        if dropout_mask is not None:  # Dropout2d with an explicit (B, C, 1, 1) keep mask, scaled by 1/(1-p)
            y = y * dropout_mask
        return F.interpolate(self.conv_seg(y), size=out_size, mode='bilinear', align_corners=False)


class LinearClassifier(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.decoder_head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cfg['projection'], cfg['numClasses']))

    def forward(self, xs):
        h, w = xs[0].shape[2:]
        acc = xs[0]
        for x in xs[1:]:
            acc = acc + F.interpolate(x, size=(h, w), mode='bilinear', align_corners=False)
        return self.decoder_head(acc)


class Head(nn.Module):
    """Fusion + decoder. The state dict is flat, as in the release (fusion and decoder are one module there)."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.fuser = FUSERS[cfg['fusion']](cfg)
        self.decoder = UPerNet(cfg) if cfg['task'] == 'seg' else LinearClassifier(cfg)

    def forward(self, feats, out_size=None, dropout_mask=None):
        fused = self.fuser(feats)
        if self.cfg['task'] == 'seg':
            return self.decoder(fused, out_size, dropout_mask), fused
        return self.decoder(fused), fused

    def flat_state(self):
        """Release-style names: fuser and decoder parameters side by side, without the container prefixes."""
        out = {}
        for k, v in self.state_dict().items():
            if k.endswith('num_batches_tracked'):
                continue
            out[k.split('.', 1)[1]] = v
        return out

    def flat_named_parameters(self):
        return [(k.split('.', 1)[1], p) for k, p in self.named_parameters()]


def head_loss(model, cfg, feats, labels, weights, out_size=None, keep=None):
    """The objective the ONNX training graph computes: weighted cross-entropy, pixels labelled 255 ignored (seg).
    Returns (loss, logits, fused)."""
    if cfg['task'] == 'seg':
        logits, fused = model(feats, out_size, keep)
        return F.cross_entropy(logits, labels, weight=weights, ignore_index=255), logits, fused
    logits, fused = model(feats)
    return F.cross_entropy(logits, labels, weight=weights), logits, fused


def param_count(model):
    return sum(p.numel() for p in model.parameters())


def default_init_check():
    """The sizes method.md quotes, as a sanity check of the faithful widths."""
    cfg = dict(task='seg', fusion='gw', tapDims=[[320] * 6, [640] * 6, [1280] * 6, [1280] * 3], timesteps=3, projection=384,
               bottleneck=96, normGroups=32, decoderChannels=512, poolScales=[1, 2, 3, 6], numClasses=7, numExperts=8, topK=2)
    b = Bottleneck(320, 384, 96, 32)
    assert param_count(b) == 480 * 320 + 121_728, param_count(b)
    return cfg


if __name__ == '__main__':
    cfg = default_init_check()
    for fusion in ('gw', 'lw', 'moe', 'concat'):
        fz = FUSERS[fusion](dict(cfg, fusion=fusion))
        print(fusion, f'{param_count(fz) / 1e6:.2f}M')
    print('upernet', f'{param_count(UPerNet(cfg)) / 1e6:.2f}M')
