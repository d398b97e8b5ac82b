"""safetensors writer/reader against a byte layout written out by hand from the format description."""
import json
import struct
import sys
import tempfile
import unittest
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pyldm.safetensors_io import load_file, save_file  # noqa: E402


class SafetensorsTest(unittest.TestCase):
    def test_exact_bytes_of_a_small_file(self):
        with tempfile.TemporaryDirectory() as d:
            p = Path(d, 'a.safetensors')
            save_file({'b': torch.tensor([1.0, 2.0]), 'a': torch.tensor([[1, 2]], dtype=torch.int64)}, p, {'k': 'v'})
            raw = p.read_bytes()
        header = {'__metadata__': {'k': 'v'},
                  'a': {'dtype': 'I64', 'shape': [1, 2], 'data_offsets': [0, 16]},
                  'b': {'dtype': 'F32', 'shape': [2], 'data_offsets': [16, 24]}}
        h = json.dumps(header, separators=(',', ':')).encode()
        h += b' ' * (-len(h) % 8)
        body = struct.pack('<qq', 1, 2) + struct.pack('<ff', 1.0, 2.0)
        self.assertEqual(raw, struct.pack('<Q', len(h)) + h + body)

    def test_round_trip_keeps_dtype_shape_values(self):
        g = torch.Generator().manual_seed(0)
        t = {'w.f16': torch.randn(3, 4, generator=g).half(), 'w.bf16': torch.randn(5, generator=g).bfloat16(),
             'w.f32': torch.randn(2, 2, 2, generator=g), 'scalar': torch.tensor(3.5)}
        with tempfile.TemporaryDirectory() as d:
            p = Path(d, 'r.safetensors')
            save_file(t, p)
            back, meta = load_file(p)
        self.assertEqual(meta, {})
        self.assertEqual(set(back), set(t))
        for k in t:
            self.assertEqual(back[k].dtype, t[k].dtype, k)
            self.assertEqual(back[k].shape, t[k].shape, k)
            self.assertTrue(torch.equal(back[k], t[k]), k)

    def test_truncated_file_is_rejected(self):
        with tempfile.TemporaryDirectory() as d:
            p = Path(d, 't.safetensors')
            save_file({'x': torch.zeros(100)}, p)
            p.write_bytes(p.read_bytes()[:-10])
            with self.assertRaisesRegex(ValueError, 'inconsistent offsets'):
                load_file(p)


if __name__ == '__main__':
    unittest.main()
