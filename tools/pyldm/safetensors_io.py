"""Read and write the safetensors format without the `safetensors` package (Debian ships no python3-safetensors).

Layout (huggingface/safetensors, docs "Format"): an 8-byte little-endian header length N, N bytes of JSON
{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}}, padded with spaces to a
multiple of 8, then the tensors' raw little-endian bytes, offsets relative to the end of the header."""
from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import torch

_DTYPES = {
    torch.float16: 'F16', torch.bfloat16: 'BF16', torch.float32: 'F32', torch.float64: 'F64',
    torch.int64: 'I64', torch.int32: 'I32', torch.int16: 'I16', torch.int8: 'I8', torch.uint8: 'U8', torch.bool: 'BOOL',
}
_FROM = {v: k for k, v in _DTYPES.items()}
_SIZES = {'F16': 2, 'BF16': 2, 'F32': 4, 'F64': 8, 'I64': 8, 'I32': 4, 'I16': 2, 'I8': 1, 'U8': 1, 'BOOL': 1}


def _raw(t: torch.Tensor) -> bytes:
    t = t.detach().contiguous().cpu()
    if t.dtype == torch.bfloat16:  # numpy has no bfloat16: reinterpret the bits
        return t.view(torch.int16).numpy().astype('<i2').tobytes()
    return t.numpy().astype(t.numpy().dtype.newbyteorder('<')).tobytes()


def save_file(tensors: dict[str, torch.Tensor], path: str | Path, metadata: dict[str, str] | None = None) -> None:
    header: dict[str, object] = {}
    if metadata:
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise TypeError('safetensors metadata must map str to str')
        header['__metadata__'] = metadata
    blobs = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name]
        if t.dtype not in _DTYPES:
            raise TypeError(f'{name}: dtype {t.dtype} has no safetensors code')
        b = _raw(t)
        header[name] = {'dtype': _DTYPES[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * (-len(h) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def load_file(path: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """All tensors and the metadata. Raises ValueError on a truncated or inconsistent file."""
    data = Path(path).read_bytes()
    if len(data) < 8:
        raise ValueError(f'{path}: too short to be safetensors')
    (n,) = struct.unpack('<Q', data[:8])
    if 8 + n > len(data):
        raise ValueError(f'{path}: header length {n} runs past the end of the file')
    header = json.loads(data[8:8 + n])
    body = memoryview(data)[8 + n:]
    meta = header.pop('__metadata__', {}) or {}
    out: dict[str, torch.Tensor] = {}
    for name, info in header.items():
        code = info['dtype']
        begin, end = info['data_offsets']
        shape = info['shape']
        count = int(np.prod(shape)) if shape else 1
        if end - begin != count * _SIZES[code] or end > len(body):
            raise ValueError(f'{path}: tensor {name} has inconsistent offsets')
        raw = bytes(body[begin:end])
        if code == 'BF16':
            t = torch.from_numpy(np.frombuffer(raw, dtype='<i2').copy()).view(torch.bfloat16)
        else:
            np_dtype = torch.empty(0, dtype=_FROM[code]).numpy().dtype.newbyteorder('<')
            t = torch.from_numpy(np.frombuffer(raw, dtype=np_dtype).astype(np_dtype.newbyteorder('=')).copy())
        out[name] = t.reshape(shape)
    return out, meta
