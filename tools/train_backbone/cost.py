#!/usr/bin/env python3
"""What one extraction costs: parameters and GFLOP per UNet call (convs, linears and attention matmuls; norms and
activations ignored) for a diffusers UNet config, plus the autoencoder encoder, at a given tile size.

    /usr/bin/python3 tools/train_backbone/cost.py --preset cpu [--tile 256] [--onnx out.onnx]

--onnx also exports the UNet (fp32, opset 17, fixed batch 1) so `node tools/train_backbone/time_onnx.mjs out.onnx`
can time it in onnxruntime-node, the runtime the app uses."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch
import torch.nn as nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pyldm.tae import TinyAutoencoder, cheap_encoder_spec, conv2d_flops, conv_flops, count_parameters, decoder_spec, forward_flops  # noqa: E402
from pyldm.unet import Attention, UNet2DConditionModel, UNetConfig  # noqa: E402
from train_backbone.configs import unet_config  # noqa: E402


def unet_flops(unet: UNet2DConditionModel, latent: int, tokens: int = 77) -> int:
    def count(mod: nn.Module, inp: tuple, out) -> int:
        if isinstance(mod, nn.Linear):
            return 2 * mod.in_features * out.numel()
        if isinstance(mod, Attention):
            x = inp[0]
            ctx = inp[1] if len(inp) > 1 and inp[1] is not None else x
            return 2 * 2 * x.shape[0] * x.shape[1] * ctx.shape[1] * mod.to_q.out_features  # QKᵀ and PV
        return conv2d_flops(mod, inp, out)

    c = unet.config
    return forward_flops(unet, lambda: unet(torch.zeros(1, c.in_channels, latent, latent), torch.tensor([21.0]),
                                            torch.zeros(1, tokens, c.cross_attention_dim)), count)


def report(cfg: dict, tile: int) -> dict:
    unet = UNet2DConditionModel(UNetConfig.from_dict(cfg)).eval()
    enc = TinyAutoencoder(cheap_encoder_spec(cfg['in_channels']), decoder_spec(cfg['in_channels']))
    latent = tile // 8
    r = {
        'block_out_channels': cfg['block_out_channels'],
        'unet_parameters': count_parameters(unet),
        'unet_gflop_per_call': unet_flops(unet, latent) / 1e9,
        'encoder_gflop': conv_flops(enc.encoder, tile, tile) / 1e9,
        'tile': tile,
    }
    r['extraction_gflop'] = r['encoder_gflop'] + 10 * r['unet_gflop_per_call']
    return r


def export_onnx(cfg: dict, tile: int, path: str) -> None:
    unet = UNet2DConditionModel(UNetConfig.from_dict(cfg)).eval()
    lat = tile // 8
    args = (torch.randn(1, cfg['in_channels'], lat, lat), torch.tensor([21.0]), torch.randn(1, 77, cfg['cross_attention_dim']))
    torch.onnx.export(unet, args, path, input_names=['sample', 'timestep', 'encoder_hidden_states'], output_names=['out'], opset_version=17)


def export_encoder_onnx(tile: int, path: str) -> None:
    enc = TinyAutoencoder(cheap_encoder_spec(32), decoder_spec(32)).encoder.eval()
    torch.onnx.export(enc, (torch.rand(1, 3, tile, tile),), path, input_names=['image'], output_names=['latent'], opset_version=17)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument('--preset', default='cpu')
    ap.add_argument('--tile', type=int, default=256)
    ap.add_argument('--onnx')
    ap.add_argument('--encoder-onnx')
    args = ap.parse_args()
    cfg = unet_config(args.preset)
    print(json.dumps(report(cfg, args.tile)))
    if args.onnx:
        export_onnx(cfg, args.tile, args.onnx)
    if args.encoder_onnx:
        export_encoder_onnx(args.tile, args.encoder_onnx)


if __name__ == '__main__':
    main()
