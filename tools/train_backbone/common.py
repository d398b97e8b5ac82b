"""Small pieces both training stages share: learning-rate schedule, loss CSV, timing, PSNR."""
from __future__ import annotations

import csv
import math
import os
import time
from pathlib import Path

import torch


def cosine_lr(base: float, progress: float, warmup: float = 0.02, floor: float = 0.05) -> float:
    """Linear warmup over the first `warmup` of training, then cosine down to floor*base. progress in [0, 1]."""
    if progress < warmup:
        return base * max(progress / warmup, 0.01)
    p = min((progress - warmup) / max(1.0 - warmup, 1e-9), 1.0)
    return base * (floor + (1.0 - floor) * 0.5 * (1.0 + math.cos(math.pi * p)))


class Budget:
    """Training ends at max_steps or after `seconds` of wall time, whichever comes first; progress drives the
    schedules so a time-limited run still anneals its learning rate to the end.

    A run spread over sessions counts the earlier sessions' wall time (`prior_seconds`) towards `seconds`, so the
    schedule spans the whole run, while each session also stops after its own `session_seconds` / `session_steps`
    (counted from `start_step`) or when request_stop() is called (a signal handler: finish the step, then save)."""

    def __init__(self, max_steps: int, seconds: float, *, prior_seconds: float = 0.0, session_seconds: float = math.inf,
                 session_steps: int | None = None, start_step: int = 0):
        self.max_steps = max_steps
        self.seconds = seconds
        self.prior_seconds = prior_seconds
        self.session_seconds = session_seconds
        self.session_steps = session_steps
        self.start_step = start_step
        self.stop_requested = False
        self.start = time.monotonic()

    def elapsed(self) -> float:
        """This session's wall time."""
        return time.monotonic() - self.start

    def total_elapsed(self) -> float:
        """All sessions' wall time so far."""
        return self.prior_seconds + self.elapsed()

    def progress(self, step: int) -> float:
        return min(1.0, max(step / max(self.max_steps, 1), self.total_elapsed() / max(self.seconds, 1e-9)))

    def run_done(self, step: int) -> bool:
        return step >= self.max_steps or self.total_elapsed() >= self.seconds

    def done(self, step: int) -> bool:
        if self.run_done(step) or self.stop_requested or self.elapsed() >= self.session_seconds:
            return True
        return self.session_steps is not None and step - self.start_step >= self.session_steps

    def request_stop(self) -> None:
        self.stop_requested = True


class LossLog:
    """Appends one CSV row per logged step; columns are fixed at creation. append=True continues an existing file
    (a resumed run) after checking it has the same columns."""

    def __init__(self, path: str | Path, columns: list[str], append: bool = False):
        self.path = Path(path)
        self.columns = columns
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if append and self.path.exists():
            with open(self.path, newline='') as f:
                header = next(csv.reader(f), None)
            if header != columns:
                raise ValueError(f'{self.path} has columns {header}, expected {columns}; move it away to start a new curve')
            return
        with open(self.path, 'w', newline='') as f:
            csv.writer(f).writerow(columns)

    def row(self, **values: object) -> None:
        with open(self.path, 'a', newline='') as f:
            csv.writer(f).writerow([_fmt(values.get(c, '')) for c in self.columns])


def keep_rows_up_to(path: str | Path, step: int) -> int:
    """Drops the rows logged after `step` (a session killed after its last checkpoint logged steps that the resumed
    session will take again); returns how many were dropped. The file is replaced atomically."""
    path = Path(path)
    with open(path, newline='') as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    col = header.index('step')
    kept = [r for r in body if len(r) == len(header) and r[col].isdigit() and int(r[col]) <= step]  # a torn last line goes too
    if len(kept) != len(body):
        tmp = path.with_name(path.name + '.tmp')
        with open(tmp, 'w', newline='') as f:
            csv.writer(f).writerows([header] + kept)
        os.replace(tmp, path)
    return len(body) - len(kept)


def save_atomic(obj: object, path: str | Path) -> None:
    """torch.save through a temporary file in the same folder, fsynced, then renamed over `path`: a process killed
    at any moment leaves either the previous file or the new one, never a torn one."""
    path = Path(path)
    tmp = path.with_name(f'.{path.name}.{os.getpid()}.tmp')
    try:
        with open(tmp, 'wb') as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # the rename itself survives a power cut only once the folder entry is on disk
    finally:
        os.close(dir_fd)


def _fmt(v: object) -> object:
    return f'{v:.6g}' if isinstance(v, float) else v


def psnr(pred01: torch.Tensor, ref01: torch.Tensor) -> torch.Tensor:
    """Per-image PSNR in dB on [0, 1] images, prediction clamped to the valid range first."""
    mse = (pred01.clamp(0, 1) - ref01).pow(2).flatten(1).mean(1)
    return 10.0 * torch.log10(1.0 / mse.clamp_min(1e-12))


def pick_device(name: str) -> torch.device:
    if name == 'auto':
        return torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    return torch.device(name)


def autocast(device: torch.device):
    """bf16 autocast on CUDA; a no-op elsewhere (torch 1.13 probes CUDA even for a disabled CUDA autocast)."""
    import contextlib

    if device.type == 'cuda':
        return torch.autocast(device_type='cuda', dtype=torch.bfloat16)
    return contextlib.nullcontext()


# The release's inversion grid for 1000 training / 50 DDIM steps with steps_offset 1: t = -1, 1, 21, …, 181.
INVERSION_TIMESTEPS = [-1] + [1 + 20 * i for i in range(10)]
RELEASE_LABELS = {2: 47, 4: 45, 9: 40}  # call index -> release label (t = 21, 61, 161)


@torch.no_grad()
def invert_taps(unet, z: torch.Tensor, prompt: torch.Tensor, keep=tuple(RELEASE_LABELS)) -> dict[int, list[torch.Tensor]]:
    """SatDiFuser's 10-call DDIM inversion from the latent `z` (the UNet output used as ε in the update, as the
    release does); the per-scale taps (pyldm.unet.group_taps) of the calls in `keep`, by call index."""
    from pyldm.schedule import alphas_cumprod
    from pyldm.unet import group_taps

    ac = alphas_cumprod().double()
    seq = INVERSION_TIMESTEPS
    kept: dict[int, list[torch.Tensor]] = {}
    for i in range(max(keep) + 1):
        t, t_next = seq[i], seq[i + 1]
        out, taps = unet(z, torch.tensor([float(t)]), prompt.expand(z.shape[0], -1, -1), return_taps=True)
        if i in keep:
            kept[i] = group_taps(taps)
        if i == max(keep):
            break
        a_t = 1.0 if t < 0 else float(ac[t])
        a_n = float(ac[t_next])
        x0 = (z - (1 - a_t) ** 0.5 * out) / a_t ** 0.5
        z = a_n ** 0.5 * x0 + (1 - a_n) ** 0.5 * out
    return kept
