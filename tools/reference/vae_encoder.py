"""AutoencoderKL encoder + quant_conv with diffusers semantics (models/vae.py Encoder, autoencoder_kl.py), written
independently of the TypeScript: image in [-1, 1] -> moments (mean ‖ logvar), both attention namings accepted."""
import json
import os

import torch
import torch.nn.functional as F
from torch import nn


class Resnet(nn.Module):
    def __init__(self, cin, cout, groups, eps=1e-6):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, cin, eps=eps)
        self.conv1 = nn.Conv2d(cin, cout, 3, 1, 1)
        self.norm2 = nn.GroupNorm(groups, cout, eps=eps)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1)
        self.conv_shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x):
        h = self.conv1(F.silu(self.norm1(x)))
        h = self.conv2(F.silu(self.norm2(h)))
        return (x if self.conv_shortcut is None else self.conv_shortcut(x)) + h


class Down(nn.Module):
    def __init__(self, cin, cout, layers, groups, downsample):
        super().__init__()
        self.resnets = nn.ModuleList([Resnet(cin if i == 0 else cout, cout, groups) for i in range(layers)])
        self.downsamplers = nn.ModuleList([nn.Module()]) if downsample else None
        if downsample:
            self.downsamplers[0].conv = nn.Conv2d(cout, cout, 3, 2, 0)

    def forward(self, x):
        for r in self.resnets:
            x = r(x)
        if self.downsamplers is not None:
            x = self.downsamplers[0].conv(F.pad(x, (0, 1, 0, 1)))  # diffusers: padding=0 -> asymmetric pad
        return x


class MidAttention(nn.Module):
    def __init__(self, c, groups):
        super().__init__()
        self.group_norm = nn.GroupNorm(groups, c, eps=1e-6)
        self.to_q, self.to_k, self.to_v = nn.Linear(c, c), nn.Linear(c, c), nn.Linear(c, c)
        self.to_out = nn.ModuleList([nn.Linear(c, c)])

    def forward(self, x):
        b, c, h, w = x.shape
        t = self.group_norm(x).reshape(b, c, h * w).transpose(1, 2)
        q, k, v = self.to_q(t), self.to_k(t), self.to_v(t)
        a = torch.softmax(q @ k.transpose(1, 2) / (c ** 0.5), dim=-1)
        o = self.to_out[0](a @ v).transpose(1, 2).reshape(b, c, h, w)
        return o + x


class Mid(nn.Module):
    def __init__(self, c, groups):
        super().__init__()
        self.resnets = nn.ModuleList([Resnet(c, c, groups), Resnet(c, c, groups)])
        self.attentions = nn.ModuleList([MidAttention(c, groups)])

    def forward(self, x):
        return self.resnets[1](self.attentions[0](self.resnets[0](x)))


class Encoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        boc = cfg["block_out_channels"]
        g = cfg.get("norm_num_groups", 32)
        lat = cfg.get("latent_channels", 4)
        self.conv_in = nn.Conv2d(cfg.get("in_channels", 3), boc[0], 3, 1, 1)
        self.down_blocks = nn.ModuleList()
        cout = boc[0]
        for i in range(len(boc)):
            cin, cout = cout, boc[i]
            self.down_blocks.append(Down(cin, cout, cfg.get("layers_per_block", 2), g, i != len(boc) - 1))
        self.mid_block = Mid(boc[-1], g)
        self.conv_norm_out = nn.GroupNorm(g, boc[-1], eps=1e-6)
        self.conv_out = nn.Conv2d(boc[-1], 2 * lat, 3, 1, 1)

    def forward(self, x):
        x = self.conv_in(x)
        for d in self.down_blocks:
            x = d(x)
        return self.conv_out(F.silu(self.conv_norm_out(self.mid_block(x))))


class VAEEncoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        lat = cfg.get("latent_channels", 4)
        self.encoder = Encoder(cfg)
        self.quant_conv = nn.Conv2d(2 * lat, 2 * lat, 1)

    def forward(self, image):
        return self.quant_conv(self.encoder(image))


OLD_TO_NEW = {"query": "to_q", "key": "to_k", "value": "to_v", "proj_attn": "to_out.0"}


def rename_old_attention(sd):
    out = {}
    for k, v in sd.items():
        parts = k.split(".")
        if "attentions" in parts and len(parts) >= 2 and parts[-2] in OLD_TO_NEW:
            k = ".".join(parts[:-2] + [OLD_TO_NEW[parts[-2]], parts[-1]])
            if v.dim() == 4:  # 1x1 conv form of old checkpoints
                v = v[:, :, 0, 0]
        out[k] = v
    return out


def load_encoder_state(model, sd):
    sd = rename_old_attention({k: v for k, v in sd.items() if k.startswith("encoder.") or k.startswith("quant_conv.")})
    model.load_state_dict({k: v.float() for k, v in sd.items()}, strict=True)
    return model
