"""Toy-size end-to-end run of the GPU command on the CPU: pack (from the bundled sample scene, so no ../shared is
needed), autoencoder and UNet for a few dozen steps each, then the model folder is checked the way the app will read
it. About a minute on one free core.

    /usr/bin/python3 -m unittest tools/train_backbone/test_toy.py
"""
import csv
import json
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import torch
from PIL import Image

TOOLS = Path(__file__).resolve().parents[1]
REPO = TOOLS.parent
sys.path.insert(0, str(TOOLS))
from pyldm.safetensors_io import load_file  # noqa: E402
from pyldm.unet import from_pretrained  # noqa: E402
from train_backbone.gpu_main import load_shipped_tae  # noqa: E402

MAX_FILE = 16 * 2**20
EXPECTED = {'backbone.json', 'config.json', 'diffusion_pytorch_model.safetensors', 'loss.csv', 'prompt_embedding.safetensors',
            'samples.png', 'tae_decoder.safetensors', 'tae_encoder.safetensors'}

try:
    import rasterio  # noqa: F401  (pack.py reads the GeoTIFF with it)
    HAVE_RASTERIO = True
except ImportError:
    HAVE_RASTERIO = False


def rows(path: Path, stage: str) -> list[dict]:
    with open(path, newline='') as f:
        return [r for r in csv.DictReader(f) if r['stage'] == stage]


@unittest.skipUnless(HAVE_RASTERIO, 'needs python3-rasterio to pack the sample scene')
class ToyRunTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        tmp = Path(cls.tmp.name)
        cls.pack = tmp / 'pack.npz'
        cls.out = tmp / 'out'
        subprocess.run([sys.executable, str(TOOLS / 'train_backbone/pack.py'), '--sample-only', '--out', str(cls.pack)], check=True)
        env = {**os.environ, 'OUT': str(cls.out), 'PACK': str(cls.pack), 'PYTHON': sys.executable}
        cls.run_log = subprocess.run(['sh', str(TOOLS / 'train_backbone/gpu_run.sh'), '--preset', 'toy', '--steps-tae', '60', '--steps-unet', '60',
                                      '--threads', '1', '--device', 'cpu'], env=env, capture_output=True, text=True)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_command_succeeds_and_writes_the_eight_files(self):
        self.assertEqual(self.run_log.returncode, 0, self.run_log.stderr[-3000:])
        files = {p.name: p.stat().st_size for p in self.out.iterdir()}
        self.assertEqual(set(files), EXPECTED)
        for name, size in files.items():
            self.assertLessEqual(size, MAX_FILE, name)

    def test_unet_folder_loads_strictly_with_diffusers_keys_in_fp16(self):
        unet = from_pretrained(str(self.out))  # strict load_state_dict: any key or shape mismatch raises
        cfg = json.loads((self.out / 'config.json').read_text())
        self.assertEqual(cfg['_class_name'], 'UNet2DConditionModel')
        self.assertEqual((cfg['in_channels'], cfg['out_channels']), (32, 32))
        weights, _ = load_file(self.out / 'diffusion_pytorch_model.safetensors')
        self.assertTrue(all(v.dtype == torch.float16 for v in weights.values()))
        self.assertIn('down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight', weights)
        self.assertIn('up_blocks.3.resnets.2.conv2.weight', weights)
        prompt, meta = load_file(self.out / 'prompt_embedding.safetensors')
        self.assertEqual(tuple(prompt['encoder_hidden_states'].shape), (1, 77, cfg['cross_attention_dim']))
        self.assertEqual(meta['stands_for'], 'A satellite image')
        out = unet(torch.zeros(1, 32, 8, 8), torch.tensor([-1.0]), prompt['encoder_hidden_states'])
        self.assertEqual(tuple(out.shape), (1, 32, 8, 8))

    def test_autoencoder_rebuilds_from_backbone_json(self):
        tae, info = load_shipped_tae(self.out)
        self.assertEqual(info['latent_channels'], 32)
        self.assertGreater(info['scaling_factor'], 0)
        with torch.no_grad():
            z = tae.encode(torch.rand(1, 3, 64, 64))
        self.assertEqual(tuple(z.shape), (1, 32, 8, 8))
        sched = json.loads((self.out / 'backbone.json').read_text())['scheduler']
        self.assertEqual((sched['prediction_type'], sched['beta_schedule'], sched['steps_offset']), ('v_prediction', 'scaled_linear', 1))

    def test_both_losses_go_down(self):
        loss = self.out / 'loss.csv'
        tae = rows(loss, 'tae')
        first = [float(r['loss']) for r in tae if r['loss']][:5]
        last = [float(r['loss']) for r in tae if r['loss']][-5:]
        self.assertLess(sum(last) / 5, 0.8 * sum(first) / 5)
        unet_val = [float(r['val_loss_ema']) for r in rows(loss, 'unet') if r['val_loss_ema']]
        self.assertEqual(rows(loss, 'unet')[0]['step'], '0')
        self.assertLess(unet_val[-1], 0.9 * unet_val[0])  # fixed noise and timesteps: untrained vs final EMA

    def test_sample_grid_has_four_labelled_rows(self):
        with Image.open(self.out / 'samples.png') as im:
            self.assertEqual(im.size[1], 4 * (64 + 2))  # generated x2, real, reconstruction; 64² toy crops
