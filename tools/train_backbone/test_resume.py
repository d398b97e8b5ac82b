"""Resumable UNet training (train_unet.py --checkpoint / --resume / --init-from) at toy size on the CPU: a run split
over two sessions lands on the same bits as one uninterrupted run, refusals say what to do, --init-from starts from
exactly the given weights, and a session stopped by a signal or killed outright can be resumed. About a minute.

    /usr/bin/python3 -m unittest tools/train_backbone/test_resume.py
"""
import csv
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

import torch

TOOLS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TOOLS))
from pyldm.safetensors_io import load_file  # noqa: E402

TRAIN = TOOLS / 'train_backbone/train_unet.py'
STEPS = 12  # toy preset: log every step, validate at step 10
HALF = 6

try:
    import rasterio  # noqa: F401  (pack.py reads the sample GeoTIFF with it)
    HAVE_RASTERIO = True
except ImportError:
    HAVE_RASTERIO = False


def csv_rows(path: Path) -> list[dict]:
    with open(path, newline='') as f:
        return list(csv.DictReader(f))


def without_seconds(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k != 'seconds'} for r in rows]


def ckpt(work: Path) -> dict:
    return torch.load(work / 'unet_checkpoint.pt', map_location='cpu')


@unittest.skipUnless(HAVE_RASTERIO, 'needs python3-rasterio to pack the sample scene')
class ResumeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmpdir = tempfile.TemporaryDirectory()
        cls.tmp = Path(cls.tmpdir.name)
        cls.pack = cls.tmp / 'pack.npz'
        subprocess.run([sys.executable, str(TOOLS / 'train_backbone/pack.py'), '--sample-only', '--out', str(cls.pack)], check=True,
                       capture_output=True)
        tae = cls.tmp / 'tae'
        subprocess.run([sys.executable, str(TOOLS / 'train_backbone/train_tae.py'), '--preset', 'toy', '--steps', '2', '--out', str(tae),
                        '--pack', str(cls.pack), '--taesd', str(cls.tmp / 'none'), '--device', 'cpu'], check=True, capture_output=True)
        # Time never enters the schedule (--total-minutes inf), so the learning rate is a function of the step alone.
        plan = ['--preset', 'toy', '--steps', str(STEPS), '--total-minutes', 'inf', '--minutes', 'inf']
        cls.straight = cls.work('straight', tae)
        cls.train(cls.straight, *plan)
        cls.split = cls.work('split', tae)
        cls.train(cls.split, *plan, '--session-steps', str(HALF), '--checkpoint-minutes', '0')  # a checkpoint after every step too
        cls.after_first = cls.tmp / 'after_first'
        shutil.copytree(cls.split, cls.after_first)
        cls.train(cls.split, '--resume', '--minutes', 'inf')  # preset, plan and bank all come from the checkpoint

    @classmethod
    def tearDownClass(cls):
        cls.tmpdir.cleanup()

    @classmethod
    def work(cls, name: str, tae: Path | None = None) -> Path:
        w = cls.tmp / name
        w.mkdir()
        for f in (tae.iterdir() if tae else []):
            shutil.copy(f, w / f.name)
        return w

    @classmethod
    def train(cls, work: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        p = subprocess.run([sys.executable, str(TRAIN), '--work', str(work), '--pack', str(cls.pack), '--device', 'cpu', *args],
                           capture_output=True, text=True)
        if check and p.returncode != 0:
            raise AssertionError(f'train_unet.py {" ".join(args)} exited {p.returncode}:\n{p.stderr[-3000:]}')
        return p

    def assert_same_state(self, a: dict, b: dict) -> None:
        self.assertEqual(a['step'], b['step'])
        self.assertEqual(a['ema']['n'], b['ema']['n'])
        self.assertEqual(len(a['ema']['shadow']), len(b['ema']['shadow']))
        for i, (x, y) in enumerate(zip(a['ema']['shadow'], b['ema']['shadow'])):
            self.assertTrue(torch.equal(x, y), f'EMA tensor {i}: max |diff| {(x - y).abs().max().item():.3g}')
        for k in a['unet']:
            self.assertTrue(torch.equal(a['unet'][k], b['unet'][k]), k)
        self.assertTrue(torch.equal(a['prompt'], b['prompt']))
        for i, s in a['optimizer']['state'].items():
            for k in ('exp_avg', 'exp_avg_sq', 'step'):
                self.assertTrue(torch.equal(s[k], b['optimizer']['state'][i][k]), f'AdamW {k} of parameter {i}')
        self.assertTrue(torch.equal(a['rng']['data'], b['rng']['data']))

    def test_two_sessions_give_the_bits_of_one_run(self):
        a, b = ckpt(self.straight), ckpt(self.split)
        self.assertEqual(a['step'], STEPS)
        self.assert_same_state(a, b)
        self.assertEqual((a['sessions'], b['sessions']), (1, 2))
        for f in ('diffusion_pytorch_model.safetensors', 'prompt_embedding.safetensors'):  # the shipped fp16 EMA weights
            self.assertEqual((self.straight / 'model' / f).read_bytes(), (self.split / 'model' / f).read_bytes(), f)
        self.assertEqual(json.loads((self.split / 'model/backbone.json').read_text())['training']['unet']['run']['sessions'], 2)

    def test_loss_csv_is_continued_with_the_same_rows(self):
        straight = csv_rows(self.straight / 'unet_loss.csv')
        first = csv_rows(self.after_first / 'unet_loss.csv')
        both = csv_rows(self.split / 'unet_loss.csv')
        k = len(first)  # the first session's rows end with its own end-of-session row (step HALF, with validation)
        self.assertEqual(both[:k], first)  # appended to, not restarted
        self.assertEqual((first[-1]['step'], bool(first[-1]['val_loss_ema'])), (str(HALF), True))
        self.assertEqual(without_seconds(both[:k - 1] + both[k:]), without_seconds(straight))
        self.assertEqual([r['step'] for r in straight], ['0'] + [str(i) for i in range(1, STEPS + 1)] + [str(STEPS)])
        seconds = [float(r['seconds']) for r in both]
        self.assertEqual(seconds, sorted(seconds))  # wall time summed over sessions, not restarted

    def test_rows_a_killed_session_logged_after_its_checkpoint_are_dropped(self):
        work = self.tmp / 'killed'
        shutil.copytree(self.after_first, work)
        with open(work / 'unet_loss.csv', 'a', newline='') as f:  # as if the session had gone on unsaved
            csv.writer(f).writerows([['unet', HALF + 1, 99.0, 1e-3, 9.9, 9.9, ''], ['unet', HALF + 2, 99.5, 1e-3, 9.9, 9.9, '']])
        p = self.train(work, '--resume', '--minutes', 'inf')
        self.assertIn(f'dropped 2 loss rows logged after the checkpoint\'s step {HALF}', p.stdout)
        self.assertEqual(without_seconds(csv_rows(work / 'unet_loss.csv')), without_seconds(csv_rows(self.split / 'unet_loss.csv')))
        self.assert_same_state(ckpt(work), ckpt(self.split))

    def test_resume_with_another_preset_is_refused(self):
        before = (self.split / 'unet_checkpoint.pt').read_bytes()
        p = self.train(self.split, '--resume', '--preset', 'cpu', check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn('was made with --preset toy, not cpu', p.stderr)
        self.assertNotIn('Traceback', p.stderr)
        self.assertEqual((self.split / 'unet_checkpoint.pt').read_bytes(), before)

    def test_resume_without_a_checkpoint_is_refused(self):
        p = self.train(self.work('empty'), '--resume', check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn('no checkpoint at', p.stderr)
        self.assertIn('--init-from', p.stderr)

    def test_a_new_run_does_not_overwrite_a_checkpoint(self):
        p = self.train(self.split, '--preset', 'toy', check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn(f'holds a run at step {STEPS}: continue it with --resume', p.stderr)

    def test_a_finished_run_has_nothing_to_train(self):
        p = self.train(self.split, '--resume')
        self.assertIn('the run is complete', p.stdout)
        self.assertEqual(ckpt(self.split)['step'], STEPS)

    def test_init_from_starts_at_exactly_the_given_weights(self):
        work = self.work('init')
        self.train(work, '--preset', 'toy', '--init-from', str(self.straight / 'model'), '--steps', '4', '--total-minutes', 'inf',
                   '--minutes', 'inf', '--session-steps', '0')
        c = ckpt(work)
        shipped, _ = load_file(self.straight / 'model/diffusion_pytorch_model.safetensors')
        key = 'down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight'
        self.assertEqual(shipped[key].dtype, torch.float16)
        self.assertTrue(torch.equal(c['unet'][key], shipped[key].float()))
        self.assertEqual(set(c['unet']), set(shipped))
        self.assertTrue(all(torch.equal(c['unet'][k], v.float()) for k, v in shipped.items()))
        prompt = load_file(self.straight / 'model/prompt_embedding.safetensors')[0]['encoder_hidden_states']
        self.assertTrue(torch.equal(c['prompt'], prompt))
        params = [c['unet'][k] for k in c['unet']]  # state_dict order is parameter order (no buffers in this UNet)
        self.assertTrue(all(torch.equal(s, p) for s, p in zip(c['ema']['shadow'], params + [c['prompt']])))  # EMA starts there too
        self.assertEqual((c['step'], c['ema']['n'], c['optimizer']['state']), (0, 0, {}))  # step 0, fresh optimiser
        self.assertEqual((work / 'model/diffusion_pytorch_model.safetensors').read_bytes(),
                         (self.straight / 'model/diffusion_pytorch_model.safetensors').read_bytes())
        unet = json.loads((work / 'model/backbone.json').read_text())['training']['unet']
        self.assertEqual((unet['steps'], unet['run']['steps'], unet['run']['init_from']['steps']), (STEPS, 0, STEPS))

        self.train(work, '--resume', '--session-steps', '2', '--minutes', 'inf')  # and goes on from there
        history = csv_rows(work / 'model/loss.csv')
        given = csv_rows(self.straight / 'model/loss.csv')
        self.assertEqual(history[:len(given)], given)  # the given model's curves first
        self.assertEqual([r['step'] for r in history[len(given):]], [str(STEPS + 1), str(STEPS + 2), str(STEPS + 2)])
        self.assertEqual(json.loads((work / 'model/backbone.json').read_text())['training']['unet']['steps'], STEPS + 2)

    def test_init_from_a_model_of_another_preset_is_refused(self):
        p = self.train(self.work('init_cpu'), '--preset', 'cpu', '--init-from', str(self.straight / 'model'), check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn('pass --preset toy', p.stderr)

    def test_sigterm_ends_the_session_with_a_checkpoint_and_model(self):
        work = self.work('sigterm', self.tmp / 'tae')
        proc = self.start_long_run(work)
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=120)
        self.assertEqual(proc.returncode, 0)
        c, rows = ckpt(work), csv_rows(work / 'unet_loss.csv')
        self.assertGreater(c['step'], 0)
        self.assertEqual((rows[-1]['step'], bool(rows[-1]['val_loss_ema'])), (str(c['step']), True))  # the session's end row
        self.assertTrue((work / 'model/diffusion_pytorch_model.safetensors').exists())

    def test_a_run_killed_outright_resumes_from_its_last_checkpoint(self):
        work = self.work('sigkill', self.tmp / 'tae')
        proc = self.start_long_run(work)
        proc.kill()
        proc.communicate(timeout=60)
        step = ckpt(work)['step']  # loads: the file was replaced atomically, never left half-written
        self.assertGreater(step, 0)
        self.assertGreaterEqual(max(int(r['step']) for r in csv_rows(work / 'unet_loss.csv')), step)
        self.train(work, '--resume', '--session-steps', '0')
        self.assertEqual(max(int(r['step']) for r in csv_rows(work / 'unet_loss.csv')), step)
        self.assertEqual(ckpt(work)['step'], step)

    def start_long_run(self, work: Path) -> subprocess.Popen:
        """A run planned far longer than the test, checkpointing after every step; returns once it has taken 3 steps."""
        proc = subprocess.Popen([sys.executable, str(TRAIN), '--work', str(work), '--pack', str(self.pack), '--device', 'cpu', '--preset', 'toy',
                                 '--steps', '100000', '--minutes', 'inf', '--total-minutes', 'inf', '--checkpoint-minutes', '0'],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if (work / 'unet_loss.csv').exists() and len(csv_rows(work / 'unet_loss.csv')) >= 4:
                return proc
            time.sleep(0.05)
        proc.kill()
        raise AssertionError(f'the run did not reach step 3: {proc.stderr.read()[-2000:] if proc.stderr else ""}')


if __name__ == '__main__':
    unittest.main()
