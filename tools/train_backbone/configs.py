"""UNet configurations (diffusers UNet2DConditionModel config.json dicts) of the default backbone.

DiffusionSat's block structure kept exactly: CrossAttnDown x3 + Down, cross-attention mid block, Up + CrossAttnUp x3,
layers_per_block 2 (so 3 resnets per up block: the 21 SatDiFuser taps), linear projections, GEGLU, flip_sin_to_cos
time embedding; only the widths shrink. `attention_head_dim` is the number of heads (diffusers 0.17), chosen so
every head is 32 wide."""
from __future__ import annotations

import copy

BASE = {
    '_class_name': 'UNet2DConditionModel',
    '_diffusers_version': '0.17.0',
    'act_fn': 'silu',
    'center_input_sample': False,
    'class_embed_type': None,
    'down_block_types': ['CrossAttnDownBlock2D', 'CrossAttnDownBlock2D', 'CrossAttnDownBlock2D', 'DownBlock2D'],
    'downsample_padding': 1,
    'dual_cross_attention': False,
    'flip_sin_to_cos': True,
    'freq_shift': 0,
    'in_channels': 32,
    'layers_per_block': 2,
    'mid_block_scale_factor': 1,
    'mid_block_type': 'UNetMidBlock2DCrossAttn',
    'norm_eps': 1e-05,
    'norm_num_groups': 32,
    'num_class_embeds': None,
    'only_cross_attention': False,
    'out_channels': 32,
    'resnet_time_scale_shift': 'default',
    'sample_size': 32,
    'time_embedding_type': 'positional',
    'up_block_types': ['UpBlock2D', 'CrossAttnUpBlock2D', 'CrossAttnUpBlock2D', 'CrossAttnUpBlock2D'],
    'upcast_attention': True,
    'use_linear_projection': True,
}


def _cfg(widths: list[int], cross: int, head: int = 32, groups: int = 32) -> dict:
    c = copy.deepcopy(BASE)
    c['block_out_channels'] = widths
    c['attention_head_dim'] = [w // head for w in widths]
    c['cross_attention_dim'] = cross
    c['norm_num_groups'] = groups
    return c


# gpu: 6.9 M parameters (13.3 MiB in fp16, under the 16 MiB a GPU run may return per file), 2.4 GFLOP per call at a
#      32² latent; (32, 64, 128, 128) would be 16.7 MiB. cpu: what one shared CPU thread can train in half an hour.
PRESETS = {
    'gpu': lambda: _cfg([32, 64, 96, 128], 128),
    'cpu': lambda: _cfg([32, 64, 64, 64], 64),
    'toy': lambda: _cfg([32, 32, 32, 32], 32, head=16, groups=8),
}


def unet_config(preset: str) -> dict:
    if preset not in PRESETS:
        raise ValueError(f'unknown UNet preset {preset!r} (known: {sorted(PRESETS)})')
    return PRESETS[preset]()
