"""Deterministic "random" weights that TypeScript can regenerate bit for bit (test/engine/backbone/detWeights.ts).

Element i of tensor `name` is u = h(fnv1a32(name), i) / 2**32 in [0, 1), a 32-bit integer hash; all float math is
IEEE double (identical in numpy and JavaScript) rounded once to float32. This lets the golden tensors be committed
without the checkpoints they came from (only the tensor names and shapes are committed).
"""
import numpy as np

M32 = 0xFFFFFFFF


def fnv1a32(s: str) -> int:
    h = 0x811C9DC5
    for b in s.encode("utf-8"):
        h ^= b
        h = (h * 0x01000193) & M32
    return h


def hash_u32(seed: int, n: int) -> np.ndarray:
    i = np.arange(n, dtype=np.uint64)
    h = (i * np.uint64(0x9E3779B1) + np.uint64(seed)) & np.uint64(M32)
    h ^= h >> np.uint64(16)
    h = (h * np.uint64(0x85EBCA6B)) & np.uint64(M32)
    h ^= h >> np.uint64(13)
    h = (h * np.uint64(0xC2B2AE35)) & np.uint64(M32)
    h ^= h >> np.uint64(16)
    return h


def det_tensor(name: str, shape) -> np.ndarray:
    n = int(np.prod(shape)) if len(shape) else 1
    u = hash_u32(fnv1a32(name), n).astype(np.float64) / 4294967296.0
    s = 2.0 * u - 1.0
    if len(shape) >= 2:
        fan_in = int(np.prod(shape[1:]))
        v = s * np.sqrt(3.0 / fan_in)
    elif name.endswith(".weight"):  # norm scales
        v = 1.0 + 0.2 * s
    else:  # biases
        v = 0.1 * s
    return v.astype(np.float32).reshape(shape)


def det_state_dict(shapes):
    """shapes: list of (name, shape) -> OrderedDict name -> float32 numpy array."""
    from collections import OrderedDict
    return OrderedDict((n, det_tensor(n, s)) for n, s in shapes)


def det_uniform(name: str, shape, lo=-1.0, hi=1.0) -> np.ndarray:
    """Inputs (latents, images): uniform in [lo, hi), float32."""
    n = int(np.prod(shape))
    u = hash_u32(fnv1a32(name), n).astype(np.float64) / 4294967296.0
    return (lo + (hi - lo) * u).astype(np.float32).reshape(shape)
