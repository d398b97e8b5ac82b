"""A PyTorch UNet2DConditionModel with diffusers 0.17 semantics, for the SD-2.x family that DiffusionSat uses.

Independent of the TypeScript engine: it is the reference the ONNX graphs are checked against and the model the
default backbone is trained with (tools/train_backbone). Written from the diffusers 0.17 sources (unet_2d_condition.py,
unet_2d_blocks.py, resnet.py, attention.py, attention_processor.py, transformer_2d.py, embeddings.py) and
DiffusionSat's sat_unet.py; state_dict keys are exactly diffusers', so a diffusers checkpoint loads with strict=True
once DiffusionSat's metadata MLPs (`metadata_embedding.*`) are dropped (SatDiFuser builds the UNet without them).

Supported family: down blocks CrossAttnDownBlock2D / DownBlock2D, mid UNetMidBlock2DCrossAttn, up blocks UpBlock2D /
CrossAttnUpBlock2D, "positional" time embedding, resnet_time_scale_shift "default", one transformer layer per
attention, no class/addition embeddings, no dual or cross-only attention. Anything else is rejected by
`UNetConfig.from_dict` with a message naming the field.

Semantics worth knowing (they are diffusers', kept on purpose):
- `attention_head_dim` is read as the NUMBER OF HEADS per block (diffusers 0.17 passes it as
  attn_num_head_channels), so head dim = channels // heads (64 everywhere in SD 2.x). A `num_attention_heads` field
  (later diffusers) takes precedence when present and not null.
- The sinusoidal timestep projection runs in float32 on float timesteps, so t = -1 (SatDiFuser's first inversion
  call) is valid input.
- Resnet GroupNorms use norm_eps (1e-5); the transformer's GroupNorm uses 1e-6; LayerNorms 1e-5.

Taps: `forward(..., return_taps=True)` also returns SatDiFuser's 21 taps (archs/ldm_extractor.py with
layer_idxs {up_blocks: {attn1: all, conv2: all}}), collected the way the release does, through forward hooks on every
module of `up_blocks[i]` whose name ends with `attn1` and then `conv2`; `group_taps` concatenates them per scale,
widest first, with attn1 token sequences reshaped row-major to maps.
"""
from __future__ import annotations

import json
import math
import os
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from torch import nn

try:  # imported as pyldm.unet (tools/ on sys.path) or as unet (tools/pyldm on sys.path)
    from .safetensors_io import load_file, save_file
except ImportError:
    from safetensors_io import load_file, save_file

# Fields a diffusers/SatUNet config may carry that change nothing in inference (or are metadata we drop).
_IGNORED_FIELDS = {
    "_class_name", "_diffusers_version", "_name_or_path", "sample_size", "use_metadata", "num_metadata",
    "center_input_sample",  # checked separately below
}


@dataclass
class UNetConfig:
    in_channels: int = 4
    out_channels: int = 4
    flip_sin_to_cos: bool = True
    freq_shift: float = 0
    down_block_types: Tuple[str, ...] = ("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D")
    mid_block_type: str = "UNetMidBlock2DCrossAttn"
    up_block_types: Tuple[str, ...] = ("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D")
    block_out_channels: Tuple[int, ...] = (320, 640, 1280, 1280)
    layers_per_block: int = 2
    downsample_padding: int = 1
    mid_block_scale_factor: float = 1.0
    act_fn: str = "silu"
    norm_num_groups: int = 32
    norm_eps: float = 1e-5
    cross_attention_dim: int = 1024
    attention_heads: Tuple[int, ...] = (5, 10, 20, 20)
    use_linear_projection: bool = True
    upcast_attention: bool = False
    conv_in_kernel: int = 3
    conv_out_kernel: int = 3
    center_input_sample: bool = False
    extra: Dict[str, object] = field(default_factory=dict)

    @staticmethod
    def from_dict(cfg: Dict[str, object]) -> "UNetConfig":
        """Reads a diffusers (or DiffusionSat SatUNet) config.json dict; raises ValueError naming what is unsupported."""
        c = dict(cfg)
        cls = c.get("_class_name", "UNet2DConditionModel")
        if cls not in ("UNet2DConditionModel", "SatUNet"):
            raise ValueError(f"config _class_name {cls!r} is not a UNet2DConditionModel/SatUNet")

        def must(name: str, allowed: Sequence[object], default: object) -> None:
            v = c.get(name, default)
            if v not in allowed:
                raise ValueError(f"config field {name}={v!r} is not supported (supported: {list(allowed)})")

        must("time_embedding_type", ["positional"], "positional")
        must("resnet_time_scale_shift", ["default"], "default")
        must("class_embed_type", [None], None)
        must("num_class_embeds", [None], None)
        must("addition_embed_type", [None], None)
        must("encoder_hid_dim", [None], None)
        must("time_cond_proj_dim", [None], None)
        must("timestep_post_act", [None], None)
        must("dual_cross_attention", [False], False)
        must("mid_block_type", ["UNetMidBlock2DCrossAttn"], "UNetMidBlock2DCrossAttn")
        must("act_fn", ["silu", "swish"], "silu")
        oca = c.get("only_cross_attention", False)
        if (isinstance(oca, bool) and oca) or (isinstance(oca, (list, tuple)) and any(oca)):
            raise ValueError("config field only_cross_attention=true is not supported")
        tl = c.get("transformer_layers_per_block", 1)
        if (isinstance(tl, int) and tl != 1) or (isinstance(tl, (list, tuple)) and any(x != 1 for x in tl)):
            raise ValueError(f"config field transformer_layers_per_block={tl!r} is not supported (only 1)")
        if c.get("norm_num_groups", 32) is None:
            raise ValueError("config field norm_num_groups=null is not supported")

        down = tuple(c.get("down_block_types", UNetConfig.down_block_types))
        up = tuple(c.get("up_block_types", UNetConfig.up_block_types))
        for t in down:
            if t not in ("CrossAttnDownBlock2D", "DownBlock2D"):
                raise ValueError(f"down block type {t!r} is not supported")
        for t in up:
            if t not in ("CrossAttnUpBlock2D", "UpBlock2D"):
                raise ValueError(f"up block type {t!r} is not supported")
        boc = tuple(int(x) for x in c.get("block_out_channels", UNetConfig.block_out_channels))
        if not (len(down) == len(up) == len(boc)):
            raise ValueError("down_block_types, up_block_types and block_out_channels must have the same length")
        # diffusers 0.17: attention_head_dim is the number of heads; later versions add num_attention_heads.
        heads = c.get("num_attention_heads") or c.get("attention_head_dim", 8)
        if isinstance(heads, int):
            heads = (heads,) * len(down)
        heads = tuple(int(h) for h in heads)
        if len(heads) != len(down):
            raise ValueError("attention_head_dim must be an int or one value per block")
        lpb = c.get("layers_per_block", 2)
        if not isinstance(lpb, int):
            raise ValueError("layers_per_block must be one int (per-block lists are not supported)")
        cad = c.get("cross_attention_dim", 1280)
        if not isinstance(cad, int):
            raise ValueError("cross_attention_dim must be one int")
        known = set(UNetConfig.__dataclass_fields__) | _IGNORED_FIELDS | {
            "time_embedding_type", "resnet_time_scale_shift", "class_embed_type", "num_class_embeds",
            "addition_embed_type", "encoder_hid_dim", "time_cond_proj_dim", "timestep_post_act",
            "dual_cross_attention", "only_cross_attention", "transformer_layers_per_block", "attention_head_dim",
            "num_attention_heads", "projection_class_embeddings_input_dim", "class_embeddings_concat",
            "time_embedding_dim", "time_embedding_act_fn", "mid_block_only_cross_attention", "cross_attention_norm",
            "addition_time_embed_dim", "conv_in_kernel", "conv_out_kernel", "encoder_hid_dim_type",
            "resnet_skip_time_act", "resnet_out_scale_factor", "attention_type", "dropout", "reverse_transformer_layers_per_block",
            "addition_embed_type_num_heads",
        }
        for name in ("time_embedding_dim", "time_embedding_act_fn", "projection_class_embeddings_input_dim"):
            if c.get(name) is not None:
                raise ValueError(f"config field {name}={c.get(name)!r} is not supported")
        if c.get("resnet_out_scale_factor", 1.0) != 1.0:
            raise ValueError("config field resnet_out_scale_factor != 1 is not supported")
        if c.get("attention_type", "default") != "default":
            raise ValueError("config field attention_type != default is not supported")
        return UNetConfig(
            in_channels=int(c.get("in_channels", 4)),
            out_channels=int(c.get("out_channels", 4)),
            flip_sin_to_cos=bool(c.get("flip_sin_to_cos", True)),
            freq_shift=float(c.get("freq_shift", 0)),
            down_block_types=down,
            mid_block_type="UNetMidBlock2DCrossAttn",
            up_block_types=up,
            block_out_channels=boc,
            layers_per_block=lpb,
            downsample_padding=int(c.get("downsample_padding", 1)),
            mid_block_scale_factor=float(c.get("mid_block_scale_factor", 1.0)),
            act_fn="silu",
            norm_num_groups=int(c.get("norm_num_groups", 32)),
            norm_eps=float(c.get("norm_eps", 1e-5)),
            cross_attention_dim=cad,
            attention_heads=heads,
            use_linear_projection=bool(c.get("use_linear_projection", False)),
            upcast_attention=bool(c.get("upcast_attention", False)),
            conv_in_kernel=int(c.get("conv_in_kernel", 3)),
            conv_out_kernel=int(c.get("conv_out_kernel", 3)),
            center_input_sample=bool(c.get("center_input_sample", False)),
            extra={k: v for k, v in c.items() if k not in known},
        )


# ---------------------------------------------------------------------------------------------------------------
# Time embedding (embeddings.py)

def timestep_embedding(timesteps: torch.Tensor, dim: int, flip_sin_to_cos: bool, freq_shift: float,
                       max_period: int = 10000) -> torch.Tensor:
    half = dim // 2
    exponent = -math.log(max_period) * torch.arange(0, half, dtype=torch.float32, device=timesteps.device)
    exponent = exponent / (half - freq_shift)
    emb = timesteps[:, None].float() * torch.exp(exponent)[None, :]
    emb = torch.cat([torch.sin(emb), torch.cos(emb)], dim=-1)
    if flip_sin_to_cos:
        emb = torch.cat([emb[:, half:], emb[:, :half]], dim=-1)
    if dim % 2 == 1:
        emb = F.pad(emb, (0, 1, 0, 0))
    return emb


class TimestepEmbedding(nn.Module):
    def __init__(self, in_channels: int, time_embed_dim: int):
        super().__init__()
        self.linear_1 = nn.Linear(in_channels, time_embed_dim)
        self.act = nn.SiLU()
        self.linear_2 = nn.Linear(time_embed_dim, time_embed_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear_2(self.act(self.linear_1(x)))


# ---------------------------------------------------------------------------------------------------------------
# Resnet, up/down sampling (resnet.py)

class ResnetBlock2D(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, temb_channels: int, groups: int, eps: float,
                 output_scale_factor: float = 1.0):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, in_channels, eps=eps, affine=True)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, 1, 1)
        self.time_emb_proj = nn.Linear(temb_channels, out_channels)
        self.norm2 = nn.GroupNorm(groups, out_channels, eps=eps, affine=True)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1)
        self.nonlinearity = nn.SiLU()
        self.output_scale_factor = output_scale_factor
        self.conv_shortcut = nn.Conv2d(in_channels, out_channels, 1, 1, 0) if in_channels != out_channels else None

    def forward(self, x: torch.Tensor, temb: torch.Tensor) -> torch.Tensor:
        h = self.conv1(self.nonlinearity(self.norm1(x)))
        h = h + self.time_emb_proj(self.nonlinearity(temb))[:, :, None, None]
        h = self.conv2(self.nonlinearity(self.norm2(h)))  # dropout is identity in eval
        if self.conv_shortcut is not None:
            x = self.conv_shortcut(x)
        return (x + h) / self.output_scale_factor


class Downsample2D(nn.Module):
    def __init__(self, channels: int, padding: int):
        super().__init__()
        self.padding = padding
        self.conv = nn.Conv2d(channels, channels, 3, stride=2, padding=padding)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.padding == 0:
            x = F.pad(x, (0, 1, 0, 1), mode="constant", value=0)
        return self.conv(x)


class Upsample2D(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor, output_size: Optional[Tuple[int, int]] = None) -> torch.Tensor:
        if output_size is None:
            x = F.interpolate(x, scale_factor=2.0, mode="nearest")
        else:
            x = F.interpolate(x, size=output_size, mode="nearest")
        return self.conv(x)


# ---------------------------------------------------------------------------------------------------------------
# Attention (attention_processor.py AttnProcessor, attention.py, transformer_2d.py)

class Attention(nn.Module):
    def __init__(self, query_dim: int, heads: int, dim_head: int, cross_attention_dim: Optional[int] = None,
                 upcast_attention: bool = False):
        super().__init__()
        inner = heads * dim_head
        kv_dim = cross_attention_dim if cross_attention_dim is not None else query_dim
        self.heads = heads
        self.scale = dim_head ** -0.5
        self.upcast_attention = upcast_attention
        self.to_q = nn.Linear(query_dim, inner, bias=False)
        self.to_k = nn.Linear(kv_dim, inner, bias=False)
        self.to_v = nn.Linear(kv_dim, inner, bias=False)
        self.to_out = nn.ModuleList([nn.Linear(inner, query_dim), nn.Dropout(0.0)])

    def _split_heads(self, x: torch.Tensor) -> torch.Tensor:
        b, n, d = x.shape
        return x.reshape(b, n, self.heads, d // self.heads).permute(0, 2, 1, 3).reshape(b * self.heads, n, d // self.heads)

    def _merge_heads(self, x: torch.Tensor) -> torch.Tensor:
        bh, n, dh = x.shape
        b = bh // self.heads
        return x.reshape(b, self.heads, n, dh).permute(0, 2, 1, 3).reshape(b, n, dh * self.heads)

    def forward(self, x: torch.Tensor, context: Optional[torch.Tensor] = None) -> torch.Tensor:
        context = x if context is None else context
        q = self._split_heads(self.to_q(x))
        k = self._split_heads(self.to_k(context))
        v = self._split_heads(self.to_v(context))
        dtype = q.dtype
        if self.upcast_attention:
            q, k = q.float(), k.float()
        # diffusers computes baddbmm(torch.empty(...), q, kᵀ, beta=0, alpha=scale). On Debian's torch 1.13 CPU build
        # baddbmm with beta=0 can return NaN for small shapes (its output buffer is used uninitialised), so the
        # same product is computed as bmm · scale.
        scores = torch.bmm(q, k.transpose(-1, -2)) * self.scale
        probs = scores.softmax(dim=-1).to(dtype)
        out = self._merge_heads(torch.bmm(probs, v))
        return self.to_out[1](self.to_out[0](out))


class GEGLU(nn.Module):
    def __init__(self, dim_in: int, dim_out: int):
        super().__init__()
        self.proj = nn.Linear(dim_in, dim_out * 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hidden, gate = self.proj(x).chunk(2, dim=-1)
        return hidden * F.gelu(gate)


class FeedForward(nn.Module):
    def __init__(self, dim: int, mult: int = 4):
        super().__init__()
        inner = int(dim * mult)
        self.net = nn.ModuleList([GEGLU(dim, inner), nn.Dropout(0.0), nn.Linear(inner, dim)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for m in self.net:
            x = m(x)
        return x


class BasicTransformerBlock(nn.Module):
    def __init__(self, dim: int, heads: int, dim_head: int, cross_attention_dim: int, upcast_attention: bool):
        super().__init__()
        self.attn1 = Attention(dim, heads, dim_head, None, upcast_attention)
        self.norm1 = nn.LayerNorm(dim)
        self.attn2 = Attention(dim, heads, dim_head, cross_attention_dim, upcast_attention)
        self.norm2 = nn.LayerNorm(dim)
        self.norm3 = nn.LayerNorm(dim)
        self.ff = FeedForward(dim)

    def forward(self, x: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        x = self.attn1(self.norm1(x)) + x
        x = self.attn2(self.norm2(x), context) + x
        return self.ff(self.norm3(x)) + x


class Transformer2DModel(nn.Module):
    def __init__(self, heads: int, dim_head: int, in_channels: int, cross_attention_dim: int, norm_num_groups: int,
                 use_linear_projection: bool, upcast_attention: bool):
        super().__init__()
        inner = heads * dim_head
        self.use_linear_projection = use_linear_projection
        self.norm = nn.GroupNorm(norm_num_groups, in_channels, eps=1e-6, affine=True)
        if use_linear_projection:
            self.proj_in = nn.Linear(in_channels, inner)
            self.proj_out = nn.Linear(inner, in_channels)
        else:
            self.proj_in = nn.Conv2d(in_channels, inner, 1, 1, 0)
            self.proj_out = nn.Conv2d(inner, in_channels, 1, 1, 0)
        self.transformer_blocks = nn.ModuleList(
            [BasicTransformerBlock(inner, heads, dim_head, cross_attention_dim, upcast_attention)])

    def forward(self, x: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        b, _, h, w = x.shape
        residual = x
        x = self.norm(x)
        if not self.use_linear_projection:
            x = self.proj_in(x)
            inner = x.shape[1]
            x = x.permute(0, 2, 3, 1).reshape(b, h * w, inner)
        else:
            inner = x.shape[1]
            x = x.permute(0, 2, 3, 1).reshape(b, h * w, inner)
            x = self.proj_in(x)
        for block in self.transformer_blocks:
            x = block(x, context)
        if self.use_linear_projection:
            x = self.proj_out(x)
            x = x.reshape(b, h, w, -1).permute(0, 3, 1, 2).contiguous()
        else:
            x = x.reshape(b, h, w, -1).permute(0, 3, 1, 2).contiguous()
            x = self.proj_out(x)
        return x + residual


# ---------------------------------------------------------------------------------------------------------------
# Blocks (unet_2d_blocks.py)

class DownBlock(nn.Module):
    """CrossAttnDownBlock2D (with_attention) or DownBlock2D."""

    def __init__(self, cfg: UNetConfig, in_ch: int, out_ch: int, temb: int, heads: int, with_attention: bool,
                 add_downsample: bool):
        super().__init__()
        self.has_cross_attention = with_attention
        self.resnets = nn.ModuleList([
            ResnetBlock2D(in_ch if i == 0 else out_ch, out_ch, temb, cfg.norm_num_groups, cfg.norm_eps)
            for i in range(cfg.layers_per_block)])
        if with_attention:
            self.attentions = nn.ModuleList([
                Transformer2DModel(heads, out_ch // heads, out_ch, cfg.cross_attention_dim, cfg.norm_num_groups,
                                   cfg.use_linear_projection, cfg.upcast_attention)
                for _ in range(cfg.layers_per_block)])
        self.downsamplers = nn.ModuleList([Downsample2D(out_ch, cfg.downsample_padding)]) if add_downsample else None

    def forward(self, x: torch.Tensor, temb: torch.Tensor, context: torch.Tensor):
        states = []
        for i, resnet in enumerate(self.resnets):
            x = resnet(x, temb)
            if self.has_cross_attention:
                x = self.attentions[i](x, context)
            states.append(x)
        if self.downsamplers is not None:
            x = self.downsamplers[0](x)
            states.append(x)
        return x, states


class MidBlock(nn.Module):
    """UNetMidBlock2DCrossAttn with one attention layer."""

    def __init__(self, cfg: UNetConfig, ch: int, temb: int, heads: int):
        super().__init__()
        self.has_cross_attention = True
        osf = cfg.mid_block_scale_factor
        self.resnets = nn.ModuleList([
            ResnetBlock2D(ch, ch, temb, cfg.norm_num_groups, cfg.norm_eps, osf),
            ResnetBlock2D(ch, ch, temb, cfg.norm_num_groups, cfg.norm_eps, osf)])
        self.attentions = nn.ModuleList([
            Transformer2DModel(heads, ch // heads, ch, cfg.cross_attention_dim, cfg.norm_num_groups,
                               cfg.use_linear_projection, cfg.upcast_attention)])

    def forward(self, x: torch.Tensor, temb: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        x = self.resnets[0](x, temb)
        return self.resnets[1](self.attentions[0](x, context), temb)


class UpBlock(nn.Module):
    """CrossAttnUpBlock2D (with_attention) or UpBlock2D."""

    def __init__(self, cfg: UNetConfig, in_ch: int, out_ch: int, prev_out: int, temb: int, heads: int,
                 with_attention: bool, add_upsample: bool):
        super().__init__()
        n = cfg.layers_per_block + 1
        self.has_cross_attention = with_attention
        resnets = []
        for i in range(n):
            res_skip = in_ch if i == n - 1 else out_ch
            res_in = prev_out if i == 0 else out_ch
            resnets.append(ResnetBlock2D(res_in + res_skip, out_ch, temb, cfg.norm_num_groups, cfg.norm_eps))
        self.resnets = nn.ModuleList(resnets)
        if with_attention:
            self.attentions = nn.ModuleList([
                Transformer2DModel(heads, out_ch // heads, out_ch, cfg.cross_attention_dim, cfg.norm_num_groups,
                                   cfg.use_linear_projection, cfg.upcast_attention)
                for _ in range(n)])
        self.upsamplers = nn.ModuleList([Upsample2D(out_ch)]) if add_upsample else None

    def forward(self, x: torch.Tensor, temb: torch.Tensor, skips: List[torch.Tensor], context: torch.Tensor,
                upsample_size: Optional[Tuple[int, int]] = None) -> torch.Tensor:
        for i, resnet in enumerate(self.resnets):
            x = torch.cat([x, skips.pop()], dim=1)
            x = resnet(x, temb)
            if self.has_cross_attention:
                x = self.attentions[i](x, context)
        if self.upsamplers is not None:
            x = self.upsamplers[0](x, upsample_size)
        return x


# ---------------------------------------------------------------------------------------------------------------
# The model

class UNet2DConditionModel(nn.Module):
    def __init__(self, cfg: UNetConfig):
        super().__init__()
        self.config = cfg
        boc = cfg.block_out_channels
        temb = boc[0] * 4
        self.conv_in = nn.Conv2d(cfg.in_channels, boc[0], cfg.conv_in_kernel, padding=(cfg.conv_in_kernel - 1) // 2)
        self.time_embedding = TimestepEmbedding(boc[0], temb)

        self.down_blocks = nn.ModuleList()
        out_ch = boc[0]
        for i, t in enumerate(cfg.down_block_types):
            in_ch, out_ch = out_ch, boc[i]
            self.down_blocks.append(DownBlock(cfg, in_ch, out_ch, temb, cfg.attention_heads[i],
                                              t == "CrossAttnDownBlock2D", i != len(boc) - 1))
        self.mid_block = MidBlock(cfg, boc[-1], temb, cfg.attention_heads[-1])

        self.num_upsamplers = 0
        rev = list(reversed(boc))
        rev_heads = list(reversed(cfg.attention_heads))
        self.up_blocks = nn.ModuleList()
        out_ch = rev[0]
        for i, t in enumerate(cfg.up_block_types):
            final = i == len(boc) - 1
            prev_out, out_ch = out_ch, rev[i]
            in_ch = rev[min(i + 1, len(boc) - 1)]
            if not final:
                self.num_upsamplers += 1
            self.up_blocks.append(UpBlock(cfg, in_ch, out_ch, prev_out, temb, rev_heads[i],
                                          t == "CrossAttnUpBlock2D", not final))
        self.conv_norm_out = nn.GroupNorm(cfg.norm_num_groups, boc[0], eps=cfg.norm_eps)
        self.conv_act = nn.SiLU()
        self.conv_out = nn.Conv2d(boc[0], cfg.out_channels, cfg.conv_out_kernel, padding=(cfg.conv_out_kernel - 1) // 2)

    def forward(self, sample: torch.Tensor, timestep: Union[torch.Tensor, float, int], encoder_hidden_states: torch.Tensor,
                return_taps: bool = False):
        """Returns the prediction; with return_taps also the 21 SatDiFuser taps (list, release order)."""
        recorder = TapRecorder(self) if return_taps else None
        try:
            out = self._forward(sample, timestep, encoder_hidden_states)
        finally:
            if recorder is not None:
                recorder.remove()
        if recorder is None:
            return out
        return out, recorder.taps()

    def _forward(self, sample: torch.Tensor, timestep, context: torch.Tensor) -> torch.Tensor:
        cfg = self.config
        factor = 2 ** self.num_upsamplers
        forward_upsample_size = any(s % factor != 0 for s in sample.shape[-2:])
        if cfg.center_input_sample:
            sample = 2 * sample - 1.0
        t = timestep
        if not torch.is_tensor(t):
            t = torch.tensor([t], dtype=torch.float64 if isinstance(t, float) else torch.int64, device=sample.device)
        elif t.dim() == 0:
            t = t[None].to(sample.device)
        t = t.expand(sample.shape[0])
        t_emb = timestep_embedding(t, cfg.block_out_channels[0], cfg.flip_sin_to_cos, cfg.freq_shift).to(sample.dtype)
        emb = self.time_embedding(t_emb)

        x = self.conv_in(sample)
        skips: List[torch.Tensor] = [x]
        for block in self.down_blocks:
            x, states = block(x, emb, context)
            skips.extend(states)
        x = self.mid_block(x, emb, context)
        for i, block in enumerate(self.up_blocks):
            n = len(block.resnets)
            block_skips = skips[-n:]
            del skips[-n:]
            size = None
            if i != len(self.up_blocks) - 1 and forward_upsample_size:
                size = tuple(skips[-1].shape[2:])
            x = block(x, emb, block_skips, context, size)
        x = self.conv_act(self.conv_norm_out(x))
        return self.conv_out(x)


# ---------------------------------------------------------------------------------------------------------------
# SatDiFuser taps (archs/ldm_extractor.py collect_layers / collect_feats)

TAP_SUFFIXES = ("attn1", "conv2")


def tap_modules(unet: UNet2DConditionModel) -> List[Tuple[str, nn.Module]]:
    """Modules hooked by SatDiFuser, in its collection order: per up block, every `…attn1` then every `…conv2`."""
    found = []
    for i, block in enumerate(unet.up_blocks):
        for suffix in TAP_SUFFIXES:
            for name, module in block.named_modules():
                if name.endswith(suffix):
                    found.append((f"up_blocks.{i}.{name}", module))
    return found


class TapRecorder:
    def __init__(self, unet: UNet2DConditionModel):
        self.modules = tap_modules(unet)
        self.outputs: Dict[int, torch.Tensor] = {}
        self.handles = [m.register_forward_hook(self._hook(k)) for k, (_, m) in enumerate(self.modules)]

    def _hook(self, k: int):
        def hook(_module, _inputs, output):
            self.outputs[k] = output.detach()
        return hook

    def taps(self) -> List[torch.Tensor]:
        return [self.outputs[k] for k in range(len(self.modules))]

    def names(self) -> List[str]:
        return [n for n, _ in self.modules]

    def remove(self) -> None:
        for h in self.handles:
            h.remove()


def group_taps(taps: Sequence[torch.Tensor]) -> List[torch.Tensor]:
    """Per-scale concatenation, widest scale first; (B, N, C) token tensors become (B, C, √N, √N) row-major."""
    groups: Dict[int, List[torch.Tensor]] = OrderedDict()
    for f in taps:
        if f.dim() == 3:
            w = int(math.sqrt(f.shape[1]))
            f = f.reshape(f.shape[0], w, w, f.shape[2]).permute(0, 3, 1, 2)
        groups.setdefault(f.shape[-1], []).append(f)
    return [torch.cat(groups[w], dim=1) for w in sorted(groups, reverse=True)]


# ---------------------------------------------------------------------------------------------------------------
# Loading and saving

def load_safetensors(path: str) -> "OrderedDict[str, torch.Tensor]":
    """In file order; bf16 weights come back as float32 (the model computes in float32)."""
    tensors, _ = load_file(path)
    return OrderedDict((k, v.float() if v.dtype == torch.bfloat16 else v) for k, v in tensors.items())


def load_state_dict(path: str) -> "OrderedDict[str, torch.Tensor]":
    if path.endswith(".safetensors"):
        return load_safetensors(path)
    sd = torch.load(path, map_location="cpu")
    return sd.get("state_dict", sd) if isinstance(sd, dict) else sd


def drop_metadata_weights(sd: Dict[str, torch.Tensor]) -> "OrderedDict[str, torch.Tensor]":
    """SatDiFuser builds the UNet with use_metadata=False: DiffusionSat's metadata MLPs are ignored."""
    return OrderedDict((k, v) for k, v in sd.items() if not k.startswith("metadata_embedding."))


def weights_file(folder: str) -> str:
    for name in ("diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.bin", "model.safetensors",
                 "pytorch_model.bin"):
        p = os.path.join(folder, name)
        if os.path.exists(p):
            return p
    raise FileNotFoundError(f"no diffusers weights file in {folder}")


def from_pretrained(folder: str, dtype: torch.dtype = torch.float32) -> UNet2DConditionModel:
    """Loads a diffusers-layout UNet folder (config.json + diffusion_pytorch_model.{safetensors,bin}), strictly."""
    with open(os.path.join(folder, "config.json")) as f:
        cfg = UNetConfig.from_dict(json.load(f))
    model = UNet2DConditionModel(cfg)
    sd = drop_metadata_weights(load_state_dict(weights_file(folder)))
    model.load_state_dict({k: v.to(torch.float32) for k, v in sd.items()}, strict=True)
    return model.to(dtype).eval()


def config_to_dict(cfg: UNetConfig, class_name: str = "UNet2DConditionModel") -> Dict[str, object]:
    """A diffusers config.json dict for `cfg` (attention_head_dim written as heads, as diffusers 0.17 reads it)."""
    return {
        "_class_name": class_name,
        "_diffusers_version": "0.17.0",
        "act_fn": "silu",
        "attention_head_dim": list(cfg.attention_heads),
        "block_out_channels": list(cfg.block_out_channels),
        "center_input_sample": cfg.center_input_sample,
        "class_embed_type": None,
        "conv_in_kernel": cfg.conv_in_kernel,
        "conv_out_kernel": cfg.conv_out_kernel,
        "cross_attention_dim": cfg.cross_attention_dim,
        "down_block_types": list(cfg.down_block_types),
        "downsample_padding": cfg.downsample_padding,
        "dual_cross_attention": False,
        "flip_sin_to_cos": cfg.flip_sin_to_cos,
        "freq_shift": cfg.freq_shift,
        "in_channels": cfg.in_channels,
        "layers_per_block": cfg.layers_per_block,
        "mid_block_scale_factor": cfg.mid_block_scale_factor,
        "mid_block_type": "UNetMidBlock2DCrossAttn",
        "norm_eps": cfg.norm_eps,
        "norm_num_groups": cfg.norm_num_groups,
        "num_class_embeds": None,
        "only_cross_attention": False,
        "out_channels": cfg.out_channels,
        "resnet_time_scale_shift": "default",
        "sample_size": 32,
        "time_cond_proj_dim": None,
        "time_embedding_type": "positional",
        "timestep_post_act": None,
        "up_block_types": list(cfg.up_block_types),
        "upcast_attention": cfg.upcast_attention,
        "use_linear_projection": cfg.use_linear_projection,
    }


def save_pretrained(model: UNet2DConditionModel, folder: str, dtype: torch.dtype = torch.float32,
                    safetensors: bool = True) -> None:
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config_to_dict(model.config), f, indent=2)
    sd = OrderedDict((k, v.detach().to(dtype).contiguous()) for k, v in model.state_dict().items())
    if safetensors:
        save_file(sd, os.path.join(folder, "diffusion_pytorch_model.safetensors"))
    else:
        torch.save(sd, os.path.join(folder, "diffusion_pytorch_model.bin"))
