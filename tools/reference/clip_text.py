"""CLIP BPE tokenizer (HF CLIPTokenizer without ftfy) and CLIPTextModel (last_hidden_state), independent of the
TypeScript. SD 2.x pads with "!" (tokenizer_config pad_token), SD 1.x with <|endoftext|>; both read from the files."""
import json
import os
import re
import unicodedata

import torch
import torch.nn.functional as F
from torch import nn


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


# \p{L} and \p{N} spelled with the stdlib `re` (no `regex` module on Debian): letters = word chars minus digits and _
PAT = re.compile(r"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[^\W\d_]+|\d|[^\s\w]+|_+", re.IGNORECASE)


class Tokenizer:
    def __init__(self, folder):
        with open(os.path.join(folder, "vocab.json"), encoding="utf-8") as f:
            self.vocab = json.load(f)
        with open(os.path.join(folder, "merges.txt"), encoding="utf-8") as f:
            lines = f.read().strip().split("\n")
        lines = [l for l in lines if not l.startswith("#version")][: 49152 - 256 - 2]
        self.ranks = {tuple(l.split()): i for i, l in enumerate(lines)}
        cfg = {}
        for name in ("special_tokens_map.json", "tokenizer_config.json"):
            p = os.path.join(folder, name)
            if os.path.exists(p):
                with open(p, encoding="utf-8") as f:
                    cfg.update({k: v for k, v in json.load(f).items() if v is not None})

        def tok(v, default):
            v = cfg.get(v, default)
            return v["content"] if isinstance(v, dict) else v

        self.bos = self.vocab[tok("bos_token", "<|startoftext|>")]
        self.eos = self.vocab[tok("eos_token", "<|endoftext|>")]
        self.pad = self.vocab[tok("pad_token", "<|endoftext|>")]
        self.unk = self.vocab[tok("unk_token", "<|endoftext|>")]
        self.max_length = int(cfg.get("model_max_length", 77))
        self.byte_encoder = bytes_to_unicode()

    def bpe(self, token):
        word = tuple(token[:-1]) + (token[-1] + "</w>",)
        while len(word) > 1:
            pairs = {(word[i], word[i + 1]) for i in range(len(word) - 1)}
            best = min(pairs, key=lambda p: self.ranks.get(p, float("inf")))
            if best not in self.ranks:
                break
            out, i = [], 0
            while i < len(word):
                if i < len(word) - 1 and word[i] == best[0] and word[i + 1] == best[1]:
                    out.append(best[0] + best[1])
                    i += 2
                else:
                    out.append(word[i])
                    i += 1
            word = tuple(out)
        return list(word)

    def encode(self, text):
        text = unicodedata.normalize("NFC", re.sub(r"\s+", " ", text).strip()).lower()
        ids = []
        for t in PAT.findall(text):
            t = "".join(self.byte_encoder[b] for b in t.encode("utf-8"))
            ids += [self.vocab.get(p, self.unk) for p in self.bpe(t)]
        ids = [self.bos] + ids[: self.max_length - 2] + [self.eos]
        return ids + [self.pad] * (self.max_length - len(ids))


class Layer(nn.Module):
    def __init__(self, d, heads, inter, eps, act):
        super().__init__()
        self.heads, self.act = heads, act
        self.self_attn = nn.Module()
        for n in ("q_proj", "k_proj", "v_proj", "out_proj"):
            setattr(self.self_attn, n, nn.Linear(d, d))
        self.layer_norm1 = nn.LayerNorm(d, eps=eps)
        self.mlp = nn.Module()
        self.mlp.fc1 = nn.Linear(d, inter)
        self.mlp.fc2 = nn.Linear(inter, d)
        self.layer_norm2 = nn.LayerNorm(d, eps=eps)

    def forward(self, x, mask):
        b, n, d = x.shape
        h, dh = self.heads, d // self.heads
        r = x
        x = self.layer_norm1(x)
        a = self.self_attn
        q = (a.q_proj(x) * dh ** -0.5).reshape(b, n, h, dh).transpose(1, 2)
        k = a.k_proj(x).reshape(b, n, h, dh).transpose(1, 2)
        v = a.v_proj(x).reshape(b, n, h, dh).transpose(1, 2)
        p = torch.softmax(q @ k.transpose(-1, -2) + mask, dim=-1)
        x = r + a.out_proj((p @ v).transpose(1, 2).reshape(b, n, d))
        r = x
        y = self.mlp.fc1(self.layer_norm2(x))
        y = y * torch.sigmoid(1.702 * y) if self.act == "quick_gelu" else F.gelu(y)
        return r + self.mlp.fc2(y)


class TextModel(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg["hidden_size"]
        self.text_model = nn.Module()
        tm = self.text_model
        tm.embeddings = nn.Module()
        tm.embeddings.token_embedding = nn.Embedding(cfg["vocab_size"], d)
        tm.embeddings.position_embedding = nn.Embedding(cfg["max_position_embeddings"], d)
        tm.encoder = nn.Module()
        tm.encoder.layers = nn.ModuleList([Layer(d, cfg["num_attention_heads"], cfg["intermediate_size"],
                                                 cfg.get("layer_norm_eps", 1e-5), cfg.get("hidden_act", "quick_gelu"))
                                           for _ in range(cfg["num_hidden_layers"])])
        tm.final_layer_norm = nn.LayerNorm(d, eps=cfg.get("layer_norm_eps", 1e-5))

    def forward(self, ids):
        tm = self.text_model
        n = ids.shape[1]
        x = tm.embeddings.token_embedding(ids) + tm.embeddings.position_embedding(torch.arange(n))[None]
        mask = torch.full((n, n), torch.finfo(torch.float32).min).triu(1)[None, None]
        for layer in tm.encoder.layers:
            x = layer(x, mask)
        return tm.final_layer_norm(x)
