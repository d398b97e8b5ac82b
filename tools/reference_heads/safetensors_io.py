"""Minimal safetensors writer/reader (the format is an 8-byte little-endian header length, a JSON header, raw
little-endian tensor bytes). Written here because the `safetensors` wheel is not installable on these machines."""
import json
import struct

import numpy as np

_DTYPES = {np.dtype('float32'): 'F32', np.dtype('float64'): 'F64', np.dtype('int64'): 'I64', np.dtype('uint8'): 'U8',
           np.dtype('int32'): 'I32', np.dtype('float16'): 'F16'}
_BACK = {v: k for k, v in _DTYPES.items()}


def write(path, tensors, metadata=None):
    header = {}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name])
        if a.dtype not in _DTYPES:
            raise TypeError(f'{name}: unsupported dtype {a.dtype}')
        b = a.astype(a.dtype.newbyteorder('<'), copy=False).tobytes()
        header[name] = {'dtype': _DTYPES[a.dtype], 'shape': list(a.shape), 'data_offsets': [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    if metadata:
        header['__metadata__'] = {k: str(v) for k, v in metadata.items()}
    h = json.dumps(header, separators=(',', ':')).encode('utf-8')
    h += b' ' * ((8 - len(h) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def read(path):
    with open(path, 'rb') as f:
        data = f.read()
    (n,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop('__metadata__', {})
    base = 8 + n
    out = {}
    for name, info in header.items():
        s, e = info['data_offsets']
        out[name] = np.frombuffer(data[base + s:base + e], dtype=_BACK[info['dtype']]).reshape(info['shape'])
    return out, meta
