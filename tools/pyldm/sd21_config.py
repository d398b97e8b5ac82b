"""The UNet config every reference script starts from: DiffusionSat-256's UNet, which is Stable Diffusion 2.1's
(865,910,724 parameters) with metadata embeddings, in diffusers 0.17 key names. The tests, goldens and benchmark
vary widths or switches with `unet_config(**changes)` so they all stay on the same block layout."""
from __future__ import annotations

DIFFUSIONSAT_256_UNET: dict = {
    "_class_name": "SatUNet", "_diffusers_version": "0.17.0.dev0", "act_fn": "silu",
    "attention_head_dim": [5, 10, 20, 20], "block_out_channels": [320, 640, 1280, 1280], "center_input_sample": False,
    "cross_attention_dim": 1024,
    "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
    "downsample_padding": 1, "dual_cross_attention": False, "flip_sin_to_cos": True, "freq_shift": 0,
    "in_channels": 4, "layers_per_block": 2, "mid_block_scale_factor": 1, "norm_eps": 1e-05, "norm_num_groups": 32,
    "num_class_embeds": None, "only_cross_attention": False, "out_channels": 4, "sample_size": 96,
    "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
    "upcast_attention": True, "use_linear_projection": True, "use_metadata": True, "num_metadata": 7,
}


def unet_config(**changes) -> dict:
    """A copy of DIFFUSIONSAT_256_UNET with `changes` applied (keys keep their order, so config.json files match)."""
    unknown = set(changes) - set(DIFFUSIONSAT_256_UNET)
    if unknown:
        raise KeyError(f"not UNet config keys: {sorted(unknown)}")
    return {**DIFFUSIONSAT_256_UNET, **changes}
