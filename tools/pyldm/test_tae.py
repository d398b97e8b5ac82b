"""Tiny autoencoder: block semantics by hand, shapes, FLOP count, config round trip, and TAEF2 loading with a
reconstruction check on real imagery (skipped without ../shared)."""
import sys
import unittest
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pyldm.tae import Block, TinyAutoencoder, build_sequential, cheap_encoder_spec, conv_flops, decoder_spec, load_taef2, taesd_encoder_spec  # noqa: E402

SHARED = Path(__file__).resolve().parents[3] / 'shared'
TAESD_DIR = SHARED / 'models/taesd'


def zero_(m):
    for p in m.parameters():
        torch.nn.init.zeros_(p)
    return m


class BlockTest(unittest.TestCase):
    def test_zero_convs_leave_relu_of_the_input(self):
        b = zero_(Block(4, 4))
        x = torch.randn(2, 4, 5, 5)
        torch.testing.assert_close(b(x), torch.relu(x))

    def test_last_conv_bias_adds_before_the_fuse_relu(self):
        b = zero_(Block(3, 3))
        b.conv[4].bias.data = torch.tensor([1.0, -2.0, 0.5])
        x = torch.randn(1, 3, 4, 4)
        torch.testing.assert_close(b(x), torch.relu(x + b.conv[4].bias.view(1, 3, 1, 1)))

    def test_pool_branch_adds_to_the_input_first(self):
        b = zero_(Block(4, 4, pool=True))
        b.pool[1].weight.data.fill_(1.0)  # GroupNorm scale
        b.pool[1].bias.data.fill_(1.0)  # so relu(GN(0)·1 + 1) = 1 everywhere
        b.pool[3].weight.data.fill_(0.25)  # 16 ones · 0.25 = 4 added to every channel
        x = torch.randn(1, 4, 3, 3)
        torch.testing.assert_close(b(x), torch.relu(x + 4.0))

    def test_channel_change_uses_a_bias_free_1x1_skip(self):
        b = Block(3, 5)
        self.assertIsNone(b.skip.bias)
        self.assertEqual(tuple(b.skip.weight.shape), (5, 3, 1, 1))


class AutoencoderTest(unittest.TestCase):
    def test_shapes_and_downscale(self):
        m = TinyAutoencoder(cheap_encoder_spec(32), decoder_spec(32, (16, 16, 16, 8)))
        self.assertEqual(m.downscale, 8)
        z = m.encode(torch.rand(2, 3, 64, 48))
        self.assertEqual(tuple(z.shape), (2, 32, 8, 6))
        self.assertEqual(tuple(m.decode(z).shape), (2, 3, 64, 48))
        with self.assertRaisesRegex(ValueError, 'multiple of 8'):
            m.encode(torch.rand(1, 3, 60, 64))

    def test_conv_flops_by_hand(self):
        seq = build_sequential([['conv', 3, 8, 1, True], ['relu'], ['conv', 8, 4, 2, False]])
        # 2·(3·9)·8·16² + 2·(8·9)·4·8²
        self.assertEqual(conv_flops(seq, 16, 16), 2 * 27 * 8 * 256 + 2 * 72 * 4 * 64)

    def test_cheap_encoder_is_far_cheaper_than_taesd(self):
        ours = conv_flops(build_sequential(cheap_encoder_spec(32)), 256, 256)
        taesd = conv_flops(build_sequential(taesd_encoder_spec(32)), 256, 256)
        self.assertLess(ours, taesd / 5)

    def test_config_round_trip_rebuilds_the_same_graph(self):
        m = TinyAutoencoder(cheap_encoder_spec(32), decoder_spec(32))
        m2 = TinyAutoencoder.from_config(m.config())
        self.assertEqual({k: v.shape for k, v in m.state_dict().items()}, {k: v.shape for k, v in m2.state_dict().items()})
        m2.load_state_dict(m.state_dict())
        x = torch.rand(1, 3, 32, 32)
        torch.testing.assert_close(m(x), m2(x))

    def test_unknown_layer_kind_is_a_clear_error(self):
        with self.assertRaisesRegex(ValueError, "unknown autoencoder layer kind 'gelu'"):
            build_sequential([['gelu']])


@unittest.skipUnless((TAESD_DIR / 'taef2_encoder.pth').exists(), 'needs ../shared/models/taesd')
class Taef2Test(unittest.TestCase):
    def test_taef2_loads_strictly_and_reconstructs_naip(self):
        import rasterio

        m = load_taef2(TAESD_DIR)  # load_state_dict is strict: any key or shape mismatch raises
        with rasterio.open(SHARED / 'data/scenes/naip_timeseries/m_4709963_se_14_1_20180716.tif') as ds:
            rgb = ds.read((1, 2, 3), window=((200, 328), (300, 428)))
        x = torch.from_numpy(rgb.astype(np.float32) / 255.0)[None]
        with torch.no_grad():
            y = m(x).clamp(0, 1)
        psnr = 10 * torch.log10(1 / (y - x).pow(2).mean()).item()
        self.assertGreater(psnr, 28.0)  # a mis-wired pool branch or clamp falls to ~10-15 dB


if __name__ == '__main__':
    unittest.main()
