"""Golden tensors for the TypeScript backbone, from this folder's independent PyTorch reference.

    /usr/bin/python3 tools/reference/make_goldens.py

Writes test/fixtures/backbone/golden/: the reduced configs (DiffusionSat-256 structure at small widths), the tensor
names+shapes of each checkpoint (weights themselves are regenerated bit-exactly by detweights on both sides), a
small CLIP BPE vocabulary, and the outputs: UNet inversion latents and taps, VAE moments, TAE latents, CLIP
embedding and token ids. Taps are stored as float16 (size), everything else float32.
"""
import json
import os
import sys
from collections import Counter

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import pyldm_path  # noqa: E402
from pyldm_path import UNet2DConditionModel, UNetConfig  # noqa: E402
from sd21_config import unet_config  # noqa: E402
from detweights import det_state_dict, det_uniform  # noqa: E402
import clip_text  # noqa: E402
import inversion  # noqa: E402
import tae_encoder  # noqa: E402
import vae_encoder  # noqa: E402

OUT = os.path.join(HERE, "..", "..", "test", "fixtures", "backbone", "golden")

UNET = unet_config(attention_head_dim=[1, 2, 4, 4], block_out_channels=[32, 64, 128, 128], cross_attention_dim=64,
                   sample_size=32)
SCHEDULER = {
    "_class_name": "DDIMScheduler", "_diffusers_version": "0.17.0.dev0", "beta_end": 0.012,
    "beta_schedule": "scaled_linear", "beta_start": 0.00085, "clip_sample": False, "num_train_timesteps": 1000,
    "prediction_type": "v_prediction", "set_alpha_to_one": False, "skip_prk_steps": True, "steps_offset": 1,
    "trained_betas": None,
}
VAE = {
    "_class_name": "AutoencoderKL", "_diffusers_version": "0.17.0.dev0", "act_fn": "silu",
    "block_out_channels": [32, 32, 64, 64], "down_block_types": ["DownEncoderBlock2D"] * 4, "in_channels": 3,
    "latent_channels": 4, "layers_per_block": 2, "norm_num_groups": 32, "out_channels": 3, "sample_size": 64,
    "scaling_factor": 0.18215, "up_block_types": ["UpDecoderBlock2D"] * 4,
}
CLIP = {
    "_name_or_path": "reduced", "architectures": ["CLIPTextModel"], "hidden_act": "gelu", "hidden_size": 64,
    "intermediate_size": 128, "layer_norm_eps": 1e-05, "max_position_embeddings": 77, "model_type": "clip_text_model",
    "num_attention_heads": 4, "num_hidden_layers": 2, "projection_dim": 32, "torch_dtype": "float32",
}
CORPUS = ("a satellite image of new zealand cattles . a satellite image of cheasapeake landcovers . "
          "satellite images of fields , roads and rivers ; an aerial image of a farm with 2 barns").split()


def train_vocab(n_merges=160):
    """A tiny CLIP-convention BPE vocabulary: 256 byte symbols, the same with </w>, learned merges, specials."""
    be = clip_text.bytes_to_unicode()
    base = list(be.values())
    vocab = base + [c + "</w>" for c in base]
    words = Counter(tuple("".join(be[b] for b in w.encode())[:-1]) + ("".join(be[b] for b in w.encode())[-1] + "</w>",)
                    for w in CORPUS)
    merges = []
    for _ in range(n_merges):
        pairs = Counter()
        for w, c in words.items():
            for i in range(len(w) - 1):
                pairs[(w[i], w[i + 1])] += c
        if not pairs:
            break
        best = max(sorted(pairs), key=lambda p: pairs[p])
        merges.append(best)
        vocab.append(best[0] + best[1])
        nw = Counter()
        for w, c in words.items():
            out, i = [], 0
            while i < len(w):
                if i < len(w) - 1 and (w[i], w[i + 1]) == best:
                    out.append(w[i] + w[i + 1])
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            nw[tuple(out)] += c
        words = nw
    vocab += ["<|startoftext|>", "<|endoftext|>"]
    return {t: i for i, t in enumerate(vocab)}, merges


def shapes(model):
    return [[k, list(v.shape)] for k, v in model.state_dict().items()]


def load_det(model, extra=()):
    names = shapes(model)
    sd = det_state_dict([(n, s) for n, s in names])
    model.load_state_dict({k: torch.from_numpy(v) for k, v in sd.items()}, strict=True)
    return names + [list(e) for e in extra]


def save(name, arr, dtype=np.float32):
    np.save(os.path.join(OUT, name + ".npy"), np.ascontiguousarray(arr.detach().numpy() if torch.is_tensor(arr) else arr).astype(dtype))


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    manifest = {}

    # ---- UNet + inversion -------------------------------------------------------------------------------------
    unet = UNet2DConditionModel(UNetConfig.from_dict(UNET)).eval()
    meta = [[f"metadata_embedding.{i}.linear_{j}.{p}", s] for i in range(7) for j, p, s in
            [(1, "weight", [128, 32]), (1, "bias", [128]), (2, "weight", [128, 128]), (2, "bias", [128])]]
    manifest["unet"] = load_det(unet, meta)
    latent = torch.from_numpy(det_uniform("input.latent", [2, 4, 16, 16], -2.0, 2.0))
    cond = torch.from_numpy(det_uniform("input.prompt_embedding", [1, 77, 64])).expand(2, 77, 64)
    feats, inputs = inversion.invert(unet, latent, cond, SCHEDULER)
    for label in (47, 45, 40):
        save(f"inv_x_{label}", inputs[label])
        for k, s in enumerate(feats[label]):
            save(f"t{label}_s{k + 1}", s, np.float16)
    with torch.no_grad():
        out0, taps0 = unet(latent, torch.tensor([-1.0, 21.0]), cond, return_taps=True)
    save("unet_out_tm1_t21", out0)
    save("unet_s4_tm1_t21", pyldm_path.group_taps(taps0)[3])
    ab = (1 - inversion.betas(SCHEDULER)).cumprod(0)
    save("alphas_cumprod", ab)

    # ---- VAE encoder ----------------------------------------------------------------------------------------------
    vae = vae_encoder.VAEEncoder(VAE).eval()
    manifest["vae"] = load_det(vae, [["post_quant_conv.weight", [4, 4, 1, 1]], ["post_quant_conv.bias", [4]],
                                     ["decoder.conv_in.weight", [64, 4, 3, 3]]])
    image = torch.from_numpy(det_uniform("input.image", [2, 3, 64, 64]))
    with torch.no_grad():
        save("vae_moments", vae(image))

    # ---- TAE (TAEF2 structure: 32 latent channels, GroupNorm pool branch at 1/8) ---------------------------------
    spec = tae_encoder.taesd_spec(32, True)
    tae = tae_encoder.build(spec).eval()
    manifest["tae"] = load_det(tae)
    img01 = torch.from_numpy(det_uniform("input.image01", [2, 3, 64, 64], 0.0, 1.0))
    with torch.no_grad():
        save("tae_latent", tae(img01))

    # ---- CLIP tokenizer + text model ---------------------------------------------------------------------------
    tokdir = os.path.join(OUT, "tokenizer")
    os.makedirs(tokdir, exist_ok=True)
    vocab, merges = train_vocab()
    with open(os.path.join(tokdir, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(tokdir, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "\n".join(f"{a} {b}" for a, b in merges) + "\n")
    with open(os.path.join(tokdir, "special_tokens_map.json"), "w") as f:
        json.dump({"bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>", "pad_token": "!",
                   "unk_token": "<|endoftext|>"}, f)
    with open(os.path.join(tokdir, "tokenizer_config.json"), "w") as f:
        json.dump({"model_max_length": 77, "pad_token": "!", "do_lower_case": True,
                   "tokenizer_class": "CLIPTokenizer"}, f)
    tok = clip_text.Tokenizer(tokdir)
    prompts = ["A satellite image", "A satellite image of New Zealand cattles", "an aerial image of 2 barns!",
               "Zürich's roads, rivers & fields", "satellite " * 40]
    token_ids = {p: tok.encode(p) for p in prompts}
    clip_cfg = dict(CLIP, vocab_size=len(vocab), bos_token_id=tok.bos, eos_token_id=tok.eos, pad_token_id=1)
    clip = clip_text.TextModel(clip_cfg).eval()
    manifest["clip"] = load_det(clip, [["text_model.embeddings.position_ids", [1, 77]]])
    with torch.no_grad():
        save("clip_embedding", clip(torch.tensor([token_ids["A satellite image"]])))

    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump({"unet_config": UNET, "scheduler_config": SCHEDULER, "vae_config": VAE, "clip_config": clip_cfg,
                   "tae_spec": spec, "token_ids": token_ids, "params": manifest,
                   "inputs": {"latent": ["input.latent", [2, 4, 16, 16], -2.0, 2.0],
                              "prompt_embedding": ["input.prompt_embedding", [1, 77, 64], -1.0, 1.0],
                              "image": ["input.image", [2, 3, 64, 64], -1.0, 1.0],
                              "image01": ["input.image01", [2, 3, 64, 64], 0.0, 1.0]}}, f)
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT) if n.endswith(".npy"))
    print(f"wrote goldens to {OUT} ({total / 1e6:.2f} MB of .npy)")


if __name__ == "__main__":
    main()
