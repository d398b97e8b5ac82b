"""Writes the checkpoint-reader fixtures under test/fixtures/backbone/weights/ with real PyTorch (Debian torch 1.13).

    /usr/bin/python3 tools/reference/make_weight_fixtures.py

- state.bin: torch.save of a state dict as diffusers writes it (OrderedDict with _metadata) holding float32,
  float16, bfloat16, float64, int64 and bool tensors, a transposed (non-contiguous) view, a slice at a storage
  offset, and two tensors sharing one storage; expected.json has every value (bf16 as float32 values).
- wrapped.pth: {'state_dict': ..., 'epoch': 3} as training scripts save.
- evil.bin: a torch.save archive whose pickle calls os.system (never executed by anyone: the reader must refuse it).
- legacy.bin: the pre-1.6 (non-zip) format.
- mixed.safetensors: F32/F16/BF16 tensors, written byte by byte from the spec (independent of the TS writer).
"""
import json
import os
import struct
from collections import OrderedDict

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "test", "fixtures", "backbone", "weights")


class Evil:
    def __reduce__(self):
        return (os.system, ("echo this-must-never-run > /tmp/satdifuser-pickle-pwned",))


def main():
    os.makedirs(OUT, exist_ok=True)
    g = torch.Generator().manual_seed(7)
    base = torch.randn(4, 6, generator=g)
    shared = torch.arange(10, dtype=torch.float32) * 0.5
    sd = OrderedDict()
    sd["conv.weight"] = torch.randn(2, 3, 1, 1, generator=g)
    sd["half"] = (torch.randn(5, generator=g) * 3).half()
    sd["bf16"] = torch.tensor([1.0, -2.5, 3.14159, 1e-3, 65504.0, 1e20], dtype=torch.bfloat16)
    sd["double"] = torch.tensor([[1.0 / 3.0, -7.25]], dtype=torch.float64)
    sd["steps"] = torch.tensor([3, -4, 2 ** 40], dtype=torch.int64)
    sd["mask"] = torch.tensor([True, False, True])
    sd["transposed"] = base.t()  # non-contiguous view, stride (1, 6)
    sd["sliced"] = base[1:3, 2:5]  # storage offset 8, stride (6, 1)
    sd["shared_a"] = shared[2:6]
    sd["shared_b"] = shared.view(2, 5)
    sd["scalar"] = torch.tensor(2.5)
    sd._metadata = OrderedDict([("", {"version": 1})])
    torch.save(sd, os.path.join(OUT, "state.bin"))
    torch.save({"state_dict": sd, "epoch": 3}, os.path.join(OUT, "wrapped.pth"))
    torch.save({"weight": torch.ones(2), "payload": Evil()}, os.path.join(OUT, "evil.bin"))
    torch.save(OrderedDict([("w", torch.ones(2))]), os.path.join(OUT, "legacy.bin"), _use_new_zipfile_serialization=False)

    expected = {}
    for k, v in sd.items():
        vals = v.float() if v.dtype in (torch.bfloat16, torch.float16) else v
        expected[k] = {"dtype": str(v.dtype).replace("torch.", ""), "shape": list(v.shape),
                       "values": [float(x) if not isinstance(x, bool) else x for x in vals.contiguous().reshape(-1).tolist()]}
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)

    # safetensors by hand: header JSON, 8-byte little-endian length, raw data.
    f32 = np.array([[1.5, -2.0, 3.25], [0.0, 1e-8, -1e8]], dtype=np.float32)
    f16 = np.array([0.1, -65504.0, 6e-8], dtype=np.float16)
    bf = torch.tensor([0.1, -3.0, 1e30], dtype=torch.bfloat16)
    bf_bytes = bf.view(torch.int16).numpy().astype("<i2").tobytes()
    blobs = [("a.f32", "F32", [2, 3], f32.astype("<f4").tobytes()),
             ("b.f16", "F16", [3], f16.astype("<f2").tobytes()),
             ("c.bf16", "BF16", [3], bf_bytes)]
    header, off = {"__metadata__": {"format": "pt"}}, 0
    for name, dt, shape, b in blobs:
        header[name] = {"dtype": dt, "shape": shape, "data_offsets": [off, off + len(b)]}
        off += len(b)
    h = json.dumps(header).encode()
    with open(os.path.join(OUT, "mixed.safetensors"), "wb") as fh:
        fh.write(struct.pack("<Q", len(h)) + h + b"".join(b for *_, b in blobs))
    st_expected = {"a.f32": f32.reshape(-1).tolist(), "b.f16": f16.astype(np.float32).tolist(),
                   "c.bf16": bf.float().tolist()}
    with open(os.path.join(OUT, "mixed.json"), "w") as fh:
        json.dump(st_expected, fh)
    print("wrote", sorted(os.listdir(OUT)))


if __name__ == "__main__":
    main()
