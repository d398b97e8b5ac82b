"""Work around NaNs from tools/pyldm/unet.py's attention on Debian's torch 1.13 CPU build.

unet.py computes scores as diffusers does, `baddbmm(torch.empty(...), q, kᵀ, beta=0, alpha=scale)`. beta=0 is
documented to ignore the input, but torch 1.13's CPU kernel propagates NaN from the uninitialised buffer for some
shapes (reproduced: 8 heads·batch, 4 tokens, head dim 16), so training diverged to NaN after a few steps. This
replaces the score computation with alpha·bmm(q, kᵀ), the same math, for every Attention in this process.
The real fix belongs in unet.py (torch.zeros instead of torch.empty); this patch can go once that lands."""
from __future__ import annotations

from typing import Optional

import torch

from pyldm import unet as _unet


def _forward(self: _unet.Attention, x: torch.Tensor, context: Optional[torch.Tensor] = None) -> torch.Tensor:
    context = x if context is None else context
    q = self._split_heads(self.to_q(x))
    k = self._split_heads(self.to_k(context))
    v = self._split_heads(self.to_v(context))
    dtype = q.dtype
    if self.upcast_attention:
        q, k = q.float(), k.float()
    scores = torch.bmm(q, k.transpose(-1, -2)) * self.scale
    probs = scores.softmax(dim=-1).to(dtype)
    out = self._merge_heads(torch.bmm(probs, v))
    return self.to_out[1](self.to_out[0](out))


_unet.Attention.forward = _forward
