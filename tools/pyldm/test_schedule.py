"""Schedule and objective against values computed independently in float64 (run: /usr/bin/python3 -m unittest tools/pyldm/test_schedule.py)."""
import sys
import unittest
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pyldm.schedule import add_noise, alphas_cumprod, ddim_sample_v, ddim_timesteps, min_snr_weight_v, v_target  # noqa: E402


def reference_alphas_cumprod() -> np.ndarray:
    betas = np.linspace(0.00085 ** 0.5, 0.012 ** 0.5, 1000, dtype=np.float64) ** 2
    return np.cumprod(1.0 - betas)


class ScheduleTest(unittest.TestCase):
    def test_scaled_linear_matches_float64_reference(self):
        ac = alphas_cumprod().double().numpy()
        ref = reference_alphas_cumprod()
        self.assertAlmostEqual(ac[0], 1 - 0.00085, places=7)
        np.testing.assert_allclose(ac, ref, rtol=2e-5)
        # SD 2.1's last ā is about 0.0047 (terminal SNR is not zero for this schedule)
        self.assertAlmostEqual(float(ac[-1]), 0.004660, places=5)

    def test_ddim_timesteps_are_diffusers_leading_with_offset_one(self):
        ts = ddim_timesteps(50)
        self.assertEqual(len(ts), 50)
        self.assertEqual(ts[:3], [981, 961, 941])
        self.assertEqual(ts[-2:], [21, 1])

    def test_v_target_inverts_to_x0_and_eps(self):
        g = torch.Generator().manual_seed(1)
        x0, eps = torch.randn(4, 3, 5, 5, generator=g), torch.randn(4, 3, 5, 5, generator=g)
        t = torch.tensor([0, 10, 500, 999])
        ac = alphas_cumprod()
        xt, v = add_noise(x0, eps, t, ac), v_target(x0, eps, t, ac)
        a = ac[t].view(-1, 1, 1, 1)
        torch.testing.assert_close(a.sqrt() * xt - (1 - a).sqrt() * v, x0, atol=1e-5, rtol=0)
        torch.testing.assert_close(a.sqrt() * v + (1 - a).sqrt() * xt, eps, atol=1e-5, rtol=0)

    def test_min_snr_weight_v_form(self):
        ref = reference_alphas_cumprod()
        t = torch.tensor([0, 100, 400, 999])
        w = min_snr_weight_v(t, alphas_cumprod()).double().numpy()
        s = ref[t.numpy()] / (1 - ref[t.numpy()])
        np.testing.assert_allclose(w, np.minimum(s, 5.0) / (s + 1.0), rtol=1e-4)
        self.assertLess(w[0], 0.01)  # nearly clean: clipped at γ=5 over a huge SNR
        self.assertAlmostEqual(w[3], s[3] / (s[3] + 1), places=5)  # pure-noise end: SNR < γ

    def test_ddim_with_an_oracle_lands_on_the_data(self):
        """With v computed from the true x0, deterministic DDIM keeps ε fixed and ends at √ā₀·x0 + √(1−ā₀)·ε."""
        ac = alphas_cumprod()
        g = torch.Generator().manual_seed(2)
        x0, noise = torch.randn(2, 4, 3, 3, generator=g), torch.randn(2, 4, 3, 3, generator=g)

        def oracle(x, t):
            a = ac[t].view(-1, 1, 1, 1)
            eps = (x - a.sqrt() * x0) / (1 - a).sqrt()
            return a.sqrt() * eps - (1 - a).sqrt() * x0

        out = ddim_sample_v(oracle, noise, ac, 50)
        a_t = ac[981]
        eps = (noise - a_t.sqrt() * x0) / (1 - a_t).sqrt()
        torch.testing.assert_close(out, ac[0].sqrt() * x0 + (1 - ac[0]).sqrt() * eps, atol=1e-4, rtol=0)


if __name__ == '__main__':
    unittest.main()
