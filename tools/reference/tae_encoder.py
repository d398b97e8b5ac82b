"""TAESD-family encoders (madebyollin/taesd; TAEF2 adds a GroupNorm "pool" branch in its 1/8-resolution blocks),
rebuilt from a layer spec as the project's model config stores it; keys are nn.Sequential indices."""
import torch
import torch.nn.functional as F
from torch import nn


class Block(nn.Module):
    def __init__(self, cin, cout, pool):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(), nn.Conv2d(cout, cout, 3, padding=1),
                                  nn.ReLU(), nn.Conv2d(cout, cout, 3, padding=1))
        self.skip = nn.Conv2d(cin, cout, 1, bias=False) if cin != cout else nn.Identity()
        self.pool = nn.Sequential(nn.Conv2d(cin, 4 * cin, 1, bias=False), nn.GroupNorm(4, 4 * cin), nn.ReLU(),
                                  nn.Conv2d(4 * cin, cin, 1, bias=False)) if pool else None

    def forward(self, x):
        if self.pool is not None:
            x = x + self.pool(x)
        return F.relu(self.conv(x) + self.skip(x))


def build(spec):
    layers = []
    for item in spec:
        if item[0] == "conv":
            _, cin, cout, stride, bias = item
            layers.append(nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=bool(bias)))
        elif item[0] == "relu":
            layers.append(nn.ReLU())
        elif item[0] == "block":
            layers.append(Block(item[1], item[2], bool(item[3])))
        else:
            raise ValueError(f"encoder layer kind {item[0]!r}")
    return nn.Sequential(*layers)


def taesd_spec(latent_channels, midblock_gn):
    s = [["conv", 3, 64, 1, True], ["block", 64, 64, False]]
    for level in range(3):
        s.append(["conv", 64, 64, 2, False])
        s += [["block", 64, 64, midblock_gn and level == 2]] * 3
    s.append(["conv", 64, latent_channels, 1, True])
    return s
