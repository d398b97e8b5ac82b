"""Smoke test for tools/pyldm/unet.py on CPU: `/usr/bin/python3 tools/pyldm/test_unet.py [--full]`.

Checks the DiffusionSat-256 structure at reduced widths (shapes, the 21 taps and their grouping, diffusers key names,
save/load round trips in safetensors and .bin, metadata keys ignored, t = -1 accepted). `--full` also builds the
real-size SD-2.1/DiffusionSat UNet and checks its parameter count (865,910,724, diffusers' SD 2.1 UNet) and a few
well-known tensor shapes (about 10 s and 3.5 GB of RAM).
"""
import json
import os
import sys
import tempfile

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import unet as U  # noqa: E402
from sd21_config import DIFFUSIONSAT_256_UNET as SD21, unet_config  # noqa: E402


def small_config():
    return unet_config(block_out_channels=[32, 64, 64, 64], attention_head_dim=[1, 2, 2, 2], cross_attention_dim=48,
                       norm_num_groups=8)


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def test_small():
    torch.manual_seed(0)
    cfg = U.UNetConfig.from_dict(small_config())
    check(cfg.attention_heads == (1, 2, 2, 2), "attention_head_dim is read as heads")
    m = U.UNet2DConditionModel(cfg).eval()
    keys = set(m.state_dict())
    for k in ["conv_in.weight", "time_embedding.linear_1.weight", "time_embedding.linear_2.bias",
              "down_blocks.0.attentions.1.transformer_blocks.0.attn1.to_q.weight",
              "down_blocks.0.attentions.0.transformer_blocks.0.ff.net.0.proj.weight",
              "down_blocks.0.attentions.0.transformer_blocks.0.ff.net.2.weight",
              "down_blocks.2.downsamplers.0.conv.weight", "down_blocks.3.resnets.1.conv2.weight",
              "mid_block.attentions.0.transformer_blocks.0.attn2.to_out.0.bias", "mid_block.resnets.1.norm1.weight",
              "up_blocks.0.upsamplers.0.conv.weight", "up_blocks.3.resnets.2.conv_shortcut.weight",
              "up_blocks.1.attentions.2.proj_out.weight", "conv_norm_out.weight", "conv_out.bias"]:
        check(k in keys, f"missing diffusers key {k}")
    check("down_blocks.3.downsamplers.0.conv.weight" not in keys, "last down block must not downsample")
    check("up_blocks.3.upsamplers.0.conv.weight" not in keys, "last up block must not upsample")
    check("down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.bias" not in keys, "q/k/v have no bias")
    sd = m.state_dict()
    check(tuple(sd["up_blocks.3.resnets.0.conv1.weight"].shape) == (32, 64 + 32, 3, 3), "up resnet 0 input = prev+skip")
    check(tuple(sd["up_blocks.3.resnets.2.conv1.weight"].shape) == (32, 32 + 32, 3, 3), "last up resnet skip = conv_in")
    check(tuple(sd["down_blocks.1.attentions.0.transformer_blocks.0.ff.net.0.proj.weight"].shape) == (64 * 8, 64),
          "GEGLU projects to 2×4×dim")

    b, h = 2, 16
    x = torch.randn(b, 4, h, h)
    ctx = torch.randn(b, 77, 48)
    t = torch.tensor([-1.0, 21.0])
    with torch.no_grad():
        out, taps = m(x, t, ctx, return_taps=True)
        out_plain = m(x, t, ctx)
    check(out.shape == (b, 4, h, h), f"prediction shape {tuple(out.shape)}")
    check(torch.equal(out, out_plain), "taps must not change the prediction")
    check(torch.isfinite(out).all().item(), "finite output at t=-1")
    rec = U.TapRecorder(m)
    names = rec.names()
    rec.remove()
    check(len(taps) == 21 and len(names) == 21, f"21 taps, got {len(taps)}")
    check(names[0] == "up_blocks.0.resnets.0.conv2", names[0])
    check(names[3] == "up_blocks.1.attentions.0.transformer_blocks.0.attn1", names[3])
    check(names[6] == "up_blocks.1.resnets.0.conv2", names[6])
    check(names[-1] == "up_blocks.3.resnets.2.conv2", names[-1])
    scales = U.group_taps(taps)
    shapes = [tuple(s.shape) for s in scales]
    check(shapes == [(b, 32 * 6, 16, 16), (b, 64 * 6, 8, 8), (b, 64 * 6, 4, 4), (b, 64 * 3, 2, 2)], f"scales {shapes}")
    # attn1 tokens are reshaped row-major: map[c, y, x] = tokens[y * w + x, c]
    a = taps[15]  # up_blocks.3 attn1_0, (B, 256, 32)
    check(torch.equal(scales[0][:, 0:32, 2, 5], a[:, 2 * 16 + 5, :]), "row-major token to map reshape")
    # the same block, different batch rows: each sample is independent of the others
    with torch.no_grad():
        single = m(x[1:], t[1:], ctx[1:])
    check(torch.allclose(single, out[1:], atol=1e-5), "batch rows are independent")

    # round trips: safetensors (fp32), .bin, and DiffusionSat metadata weights present in the file
    with tempfile.TemporaryDirectory() as d:
        U.save_pretrained(m, os.path.join(d, "st"))
        m2 = U.from_pretrained(os.path.join(d, "st"))
        U.save_pretrained(m, os.path.join(d, "bin"), safetensors=False)
        sd = m.state_dict()
        sd["metadata_embedding.0.linear_1.weight"] = torch.zeros(4, 4)
        torch.save(sd, os.path.join(d, "bin", "diffusion_pytorch_model.bin"))
        with open(os.path.join(d, "bin", "config.json"), "w") as f:
            json.dump(small_config(), f)
        m3 = U.from_pretrained(os.path.join(d, "bin"))
        with torch.no_grad():
            check(torch.equal(m2(x, t, ctx), out), "safetensors round trip")
            check(torch.equal(m3(x, t, ctx), out), ".bin round trip with metadata keys dropped")

    for bad, field in [({"resnet_time_scale_shift": "scale_shift"}, "resnet_time_scale_shift"),
                       ({"only_cross_attention": True}, "only_cross_attention"),
                       ({"down_block_types": ["SimpleCrossAttnDownBlock2D"] * 4}, "SimpleCrossAttnDownBlock2D")]:
        c = small_config()
        c.update(bad)
        try:
            U.UNetConfig.from_dict(c)
        except ValueError as e:
            check(field in str(e), f"error names {field}: {e}")
        else:
            raise AssertionError(f"{bad} must be rejected")

    emb = U.timestep_embedding(torch.tensor([0.0]), 8, True, 0)
    check(torch.equal(emb, torch.tensor([[1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0]])), "flip_sin_to_cos puts cos first")
    # regression: torch 1.13's CPU baddbmm(beta=0) returned NaN for these shapes (8 heads, 4 tokens, head dim 16)
    torch.manual_seed(0)
    att = U.Attention(128, 8, 16)
    xa = torch.randn(1, 4, 128)
    with torch.no_grad():
        check(all(torch.isfinite(att(xa)).all().item() for _ in range(300)), "attention stays finite")
    print("small config: ok")


def test_full():
    cfg = U.UNetConfig.from_dict(SD21)
    m = U.UNet2DConditionModel(cfg)
    n = sum(p.numel() for p in m.parameters())
    check(n == 865_910_724, f"SD 2.1 UNet parameter count 865,910,724, got {n:,}")
    sd = m.state_dict()
    check(tuple(sd["mid_block.attentions.0.transformer_blocks.0.attn2.to_k.weight"].shape) == (1280, 1024), "attn2 k")
    check(tuple(sd["up_blocks.1.resnets.0.conv1.weight"].shape) == (1280, 2560, 3, 3), "up_blocks.1 resnet 0")
    check(tuple(sd["up_blocks.3.resnets.2.conv_shortcut.weight"].shape) == (320, 640, 1, 1), "up_blocks.3 shortcut")
    print(f"full SD 2.1 / DiffusionSat config: ok ({n:,} parameters)")


if __name__ == "__main__":
    test_small()
    if "--full" in sys.argv:
        test_full()
