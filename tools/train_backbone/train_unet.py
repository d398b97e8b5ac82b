#!/usr/bin/env python3
"""Stage 2: train the DiffusionSat-architecture UNet (tools/pyldm/unet.py) on the frozen autoencoder's latents.

DiffusionSat's objective: v-prediction on SD 2.1's scaled_linear 1000-step schedule, min-SNR-γ=5 loss weights in
the v form, EMA weights. Conditioning: one learned 77 x cross_attention_dim embedding, trained with the UNet, that
stands where DiffusionSat feeds the CLIP embedding of "A satellite image" (we have no text encoder to ship; the
embedding is what SatDiFuser's extractor feeds to encoder_hidden_states at every call). No metadata.

Usage (CPU fallback, after train_tae.py):
    /usr/bin/python3 tools/train_backbone/train_unet.py --preset cpu --minutes 30 --work tools/train_backbone/work/cpu

A run may span several sessions (docs/default-backbone.md, "Continuing the CPU run"): the first plans the whole run
with --total-minutes and may start from a shipped model (--init-from), later ones continue with --resume; the
checkpoint (unet_checkpoint.pt, written every --checkpoint-minutes and at the end) makes the sessions add up to the
same bits as one uninterrupted run, and every session ends by writing <work>/model from the EMA weights.
"""
from __future__ import annotations

import argparse
import copy
import csv
import json
import math
import signal
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pyldm.safetensors_io import load_file  # noqa: E402
from pyldm.schedule import add_noise, alphas_cumprod, min_snr_weight_v, v_target  # noqa: E402
from pyldm.tae import TinyAutoencoder  # noqa: E402
from pyldm.unet import UNet2DConditionModel  # noqa: E402
from train_backbone.common import Budget, LossLog, autocast, cosine_lr, keep_rows_up_to, pick_device  # noqa: E402
from train_backbone.configs import unet_config  # noqa: E402
from train_backbone.data import ScenePack, dihedral  # noqa: E402
from train_backbone.unet_state import (EMA, RunError, TrainState, check_compatible, data_path, load_checkpoint, load_init,  # noqa: E402
                                       load_run_data, new_state, restore_state, save_checkpoint, save_run_data)

REPO = Path(__file__).resolve().parents[2]
SNR_GAMMA = 5.0

PRESETS = {
    # cpu: 128² crops (16² latents) so one thread can take a few thousand steps; gpu: the extraction size, 256².
    'cpu': dict(unet='cpu', crop=128, bank=4096, batch=16, lr=5e-4, ema=0.999, log_every=10, val_every=200, val_count=18),
    'gpu': dict(unet='gpu', crop=256, bank=16384, batch=128, lr=3e-4, ema=0.9995, log_every=20, val_every=500, val_count=18),
    'toy': dict(unet='toy', crop=64, bank=64, batch=4, lr=1e-3, ema=0.9, log_every=1, val_every=10, val_count=2),
}


def load_tae(work: Path) -> tuple[TinyAutoencoder, dict]:
    cfg = json.loads((work / 'tae_config.json').read_text())
    model = TinyAutoencoder.from_config(cfg)
    enc, _ = load_file(work / 'tae_encoder.safetensors')
    dec, _ = load_file(work / 'tae_decoder.safetensors')
    model.encoder.load_state_dict({k: v.float() for k, v in enc.items()})
    model.decoder.load_state_dict({k: v.float() for k, v in dec.items()})
    return model.eval(), cfg


@torch.no_grad()
def encode_bank(tae: TinyAutoencoder, crops_u8: torch.Tensor, scaling: float, device: torch.device, seed: int, batch: int = 64) -> torch.Tensor:
    """Scaled latents of the crops, each crop first turned by a random dihedral symmetry in pixel space (flipping
    latents instead would assume an equivariant encoder, which ours is not). Stored fp16 to halve the bank."""
    gen = torch.Generator().manual_seed(seed)
    codes = torch.randint(0, 8, (crops_u8.shape[0],), generator=gen)
    out = []
    tae = tae.to(device)
    for i in range(0, crops_u8.shape[0], batch):
        x = crops_u8[i:i + batch].to(device).float() / 255.0
        x = torch.stack([dihedral(x[j], int(codes[i + j])) for j in range(x.shape[0])])
        with autocast(device):
            z = tae.encode(x)
        out.append((z.float() * scaling).half())
    return torch.cat(out)


def v_loss(unet: UNet2DConditionModel, prompt: torch.Tensor, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor,
           ac: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(min-SNR weighted loss, unweighted per-sample v MSE)."""
    xt = add_noise(x0, noise, t, ac)
    target = v_target(x0, noise, t, ac)
    pred = unet(xt, t, prompt.expand(x0.shape[0], -1, -1))
    mse = (pred.float() - target).pow(2).flatten(1).mean(1)
    return (min_snr_weight_v(t, ac, SNR_GAMMA) * mse).mean(), mse


@torch.no_grad()
def validation_loss(unet: UNet2DConditionModel, prompt: torch.Tensor, val_latents: torch.Tensor, ac: torch.Tensor, device: torch.device) -> float:
    """Weighted v-loss on Dubai tile-6 latents at fixed timesteps and fixed noise, so points are comparable."""
    gen = torch.Generator().manual_seed(1234)
    ts = torch.linspace(20, 980, 8).long()
    total = 0.0
    for t in ts:
        noise = torch.randn(val_latents.shape, generator=gen).to(device)
        with autocast(device):
            loss, _ = v_loss(unet, prompt, val_latents, t.repeat(val_latents.shape[0]).to(device), noise, ac)
        total += loss.item()
    return total / len(ts)


COLUMNS = ['stage', 'step', 'seconds', 'lr', 'loss', 'v_mse', 'val_loss_ema']


def run_session(s: TrainState, bank: torch.Tensor, val_latents: torch.Tensor, out_dir: Path, *, device: torch.device, budget: Budget,
                log=print, checkpoint: Path | None = None, checkpoint_seconds: float = 600.0) -> tuple[UNet2DConditionModel, torch.Tensor, dict]:
    """Trains from s.step until `budget` says stop, continuing the loss CSV when the run has had a session before;
    writes the checkpoint every `checkpoint_seconds` of wall time and at the end. Returns (EMA UNet, EMA prompt
    embedding (1, 77, D), summary for backbone.json)."""
    preset = s.preset
    ac = alphas_cumprod().to(device)
    unet, prompt, params = s.unet.train(), s.prompt, s.params
    s.sessions += 1
    curve = LossLog(out_dir / 'unet_loss.csv', COLUMNS, append=s.sessions > 1)
    if s.sessions == 1:  # the starting weights' point of the curve (untrained, or the --init-from model's)
        curve.row(stage='unet', step=0, seconds=0.0, val_loss_ema=validation_loss(unet, prompt, val_latents, ac, device))
    first = s.step
    saved_at = time.monotonic()
    while not budget.done(s.step):
        lr = cosine_lr(preset['lr'], budget.progress(s.step))
        for g in s.opt.param_groups:
            g['lr'] = lr
        idx = torch.randint(0, bank.shape[0], (preset['batch'],), generator=s.gen, device=device)
        x0 = bank[idx].float()
        t = torch.randint(0, ac.shape[0], (x0.shape[0],), generator=s.gen, device=device)
        noise = torch.randn(x0.shape, generator=s.gen, device=device)  # drawn where it is used: no host->GPU copy per step
        with autocast(device):
            loss, mse = v_loss(unet, prompt, x0, t, noise, ac)
        s.opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        s.opt.step()
        s.ema.update(params)
        s.step += 1
        s.last = dict(lr=lr, loss=loss.item(), v_mse=mse.mean().item())
        s.recent.append(s.last['loss'])
        row = None
        if s.step % preset['log_every'] == 0 or s.step == 1:
            row = dict(stage='unet', step=s.step, seconds=round(budget.total_elapsed(), 2), lr=lr, loss=float(np.mean(s.recent)), v_mse=s.last['v_mse'])
            s.recent = []
        if s.step % preset['val_every'] == 0:
            ev_unet, ev_prompt = ema_copy(unet, prompt, s.ema)
            v = validation_loss(ev_unet, ev_prompt, val_latents, ac, device)
            row = row or dict(stage='unet', step=s.step, seconds=round(budget.total_elapsed(), 2), **s.last)
            row['val_loss_ema'] = v
            log(f'unet step {s.step} {budget.total_elapsed():.0f}s loss {row["loss"]:.4f} val (EMA) {v:.4f}')
        if row:
            curve.row(**row)
        if checkpoint is not None and time.monotonic() - saved_at >= checkpoint_seconds:
            save_checkpoint(s, checkpoint, budget.total_elapsed())
            saved_at = time.monotonic()
    ev_unet, ev_prompt = ema_copy(unet, prompt, s.ema)
    final_val = validation_loss(ev_unet, ev_prompt, val_latents, ac, device)
    if s.step > first:
        curve.row(stage='unet', step=s.step, seconds=round(budget.total_elapsed(), 2), **s.last, val_loss_ema=final_val)
    s.wall_seconds = budget.total_elapsed()
    if checkpoint is not None:
        save_checkpoint(s, checkpoint, s.wall_seconds)
    log(f'unet session {s.sessions} done: steps {first} -> {s.step} in {budget.elapsed():.0f}s '
        f'({s.wall_seconds / 60:.1f} min in all sessions), EMA validation loss {final_val:.4f}')
    return ev_unet, ev_prompt, summarize(s, final_val, int(bank.shape[0]))


def summarize(s: TrainState, final_val: float, bank_latents: int) -> dict:
    """`steps` and `seconds` count all the training the weights have had, an --init-from model's included (what the
    model card quotes); `run` says how this run was made."""
    init = s.init_from or {}
    total = s.plan['total_seconds']
    return {'steps': s.step + init.get('steps', 0), 'seconds': round(s.wall_seconds + init.get('seconds', 0.0), 1), 'batch': s.preset['batch'],
            'crop': s.preset['crop'], 'lr': s.preset['lr'], 'ema_decay': s.preset['ema'], 'snr_gamma': SNR_GAMMA,
            'final_train_loss': s.last.get('loss'), 'final_val_loss_ema': final_val, 'bank_latents': bank_latents,
            'run': {'steps': s.step, 'seconds': round(s.wall_seconds, 1), 'sessions': s.sessions,
                    'planned_minutes': round(total / 60, 2) if math.isfinite(total) else None,  # JSON has no Infinity
                    'planned_steps': s.plan['total_steps'], 'init_from': s.init_from}}


def train_unet(bank: torch.Tensor, val_latents: torch.Tensor, unet_cfg: dict, out_dir: Path, *, device: torch.device, preset: dict,
               max_steps: int, seconds: float, seed: int = 0, log=print) -> tuple[UNet2DConditionModel, torch.Tensor, dict]:
    """One uninterrupted run from random weights, no checkpoint (gpu_main.py). Returns (EMA UNet, EMA prompt, summary)."""
    plan = {'total_seconds': seconds, 'total_steps': max_steps if max_steps < 10**9 else None}
    state = new_state(unet_cfg, preset['unet'], preset, device, plan, seed)
    return run_session(state, bank.to(device), val_latents.to(device), out_dir, device=device, budget=Budget(max_steps, seconds), log=log)


def write_history(path: Path, history: list[dict], run_csv: Path, init: dict) -> None:
    """The model folder's loss.csv for a run started --init-from another model: that model's curves, then this
    run's UNet rows with steps and seconds counted on from where it stopped (the run's step-0 row, the same weights'
    point in fp16, is left out), so the card reads one history of these weights."""
    rows = [dict(r) for r in history]
    with open(run_csv, newline='') as f:
        for r in csv.DictReader(f):
            if int(r['step']) == 0:
                continue
            r['step'] = str(int(r['step']) + init['steps'])
            if r['seconds']:
                r['seconds'] = f'{float(r["seconds"]) + init["seconds"]:.2f}'
            rows.append(r)
    cols: list[str] = []
    for r in rows:
        cols += [c for c in r if c not in cols]
    with open(path, 'w', newline='') as f:
        w = csv.DictWriter(f, fieldnames=cols)
        w.writeheader()
        w.writerows(rows)


def val_crops_u8(pack: ScenePack, preset: dict) -> torch.Tensor:
    return torch.from_numpy(pack.val[: preset['val_count']]).permute(0, 3, 1, 2).contiguous()


def ema_copy(unet: UNet2DConditionModel, prompt: torch.Tensor, ema: EMA) -> tuple[UNet2DConditionModel, torch.Tensor]:
    ev = copy.deepcopy(unet).eval()
    ev_prompt = torch.zeros_like(prompt.detach())
    ema.copy_to(list(ev.parameters()) + [ev_prompt])
    return ev, ev_prompt


def start_run(args: argparse.Namespace, work: Path, ckpt_path: Path, device: torch.device) -> tuple[TrainState, dict]:
    """A new run at step 0: latent bank from the pack, weights random or --init-from's; its data file written."""
    if ckpt_path.exists():
        step = torch.load(ckpt_path, map_location='cpu').get('step')
        raise RunError(f'{ckpt_path} holds a run at step {step}: continue it with --resume, or start a new one with another '
                       '--checkpoint (deleting that file loses the run)')
    preset_name = args.preset or 'cpu'
    preset = PRESETS[preset_name]
    cfg = unet_config(preset['unet'])
    init = load_init(Path(args.init_from), preset_name, cfg) if args.init_from else None
    if init:
        tae, tae_cfg = init.tae, init.tae_cfg  # the latent space those weights were trained on
    elif (work / 'tae_config.json').exists():
        tae, tae_cfg = load_tae(work)
    else:
        raise RunError(f'{work} has no autoencoder (tae_config.json): train one first (train_tae.py --out {work}) '
                       'or pass --init-from <model folder> to continue a trained model')
    pack = ScenePack(args.pack)
    rng = np.random.default_rng(1)
    crops = pack.sample(rng, preset['bank'], preset['crop'])
    bank = encode_bank(tae, crops, tae_cfg['scaling_factor'], device, seed=1)
    val = encode_bank(tae, val_crops_u8(pack, preset), tae_cfg['scaling_factor'], device, seed=2)
    total = args.total_minutes if args.total_minutes is not None else args.minutes
    state = new_state(cfg, preset_name, preset, device, {'total_seconds': total * 60, 'total_steps': args.steps}, init=init)
    history = init.history if init else []
    save_run_data(data_path(ckpt_path), state.run_id, bank, val, crops[:8], tae, tae_cfg, history)
    origin = f'from {init.info["model"]} ({init.info["steps"]} steps)' if init else 'from random weights'
    print(f'new run {state.run_id[:8]} {origin}, preset {preset_name}, planned {total:g} min'
          + (f' / {args.steps} steps' if args.steps else '') + f'; checkpoint {ckpt_path}')
    return state, {'bank': bank, 'val': val, 'real_crops': crops[:8], 'tae': tae, 'tae_config': tae_cfg, 'history': history}


def resume_run(args: argparse.Namespace, work: Path, ckpt_path: Path, device: torch.device) -> tuple[TrainState, dict]:
    if args.init_from:
        raise RunError('--init-from starts a new run and --resume continues the checkpoint\'s: give one of them')
    ckpt = load_checkpoint(ckpt_path)
    preset_name = args.preset or ckpt['preset_name']
    if preset_name not in PRESETS:
        raise RunError(f'{ckpt_path} was made with preset {preset_name!r}, which train_unet.py no longer has')
    check_compatible(ckpt, ckpt_path, preset_name, PRESETS[preset_name], device)
    data = load_run_data(data_path(ckpt_path), ckpt['run_id'])
    state = restore_state(ckpt, device)
    state.preset = dict(PRESETS[preset_name])  # same training values (checked); today's logging cadence
    old = dict(state.plan)
    if args.total_minutes is not None:
        state.plan['total_seconds'] = args.total_minutes * 60
    if args.steps is not None:
        state.plan['total_steps'] = args.steps
    if state.plan != old:
        print(f'plan changed from {old} to {state.plan}: the learning rate follows the new schedule from here on')
    loss_csv = work / 'unet_loss.csv'
    if loss_csv.exists() and (dropped := keep_rows_up_to(loss_csv, state.step)):
        print(f'dropped {dropped} loss rows logged after the checkpoint\'s step {state.step} (the last session ended without saving them)')
    print(f'resuming run {state.run_id[:8]} at step {state.step} after {state.sessions} session(s), '
          f'{state.wall_seconds / 60:.1f} of {state.plan["total_seconds"] / 60:g} planned min')
    return state, data


def stop_on_signals(budget: Budget) -> None:
    """SIGTERM / SIGINT end the session after the current step, with the checkpoint and model folder written; a
    second signal ends the process at once (the last checkpoint still holds)."""
    def handler(signum: int, _frame: object) -> None:
        print(f'{signal.Signals(signum).name}: stopping after this step, then writing the checkpoint and model folder', flush=True)
        budget.request_stop()
        signal.signal(signum, signal.SIG_DFL)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, handler)


def main() -> None:
    ap = argparse.ArgumentParser(description='train the UNet on the autoencoder latents (stage 2); resumable over sessions')
    ap.add_argument('--pack', default=str(REPO / 'tools/train_backbone/work/pack.npz'))
    ap.add_argument('--work', default=str(REPO / 'tools/train_backbone/work/cpu'), help='folder with stage 1 outputs; stage 2 writes here too')
    ap.add_argument('--preset', choices=sorted(PRESETS), help='default: cpu for a new run, the checkpoint\'s with --resume')
    ap.add_argument('--minutes', type=float, default=30.0, help='this session stops after this much wall time')
    ap.add_argument('--total-minutes', type=float,
                    help='planned wall time of all sessions together, which the learning-rate schedule spans (new run: default '
                         '--minutes; --resume: the checkpoint\'s unless given)')
    ap.add_argument('--steps', type=int, help='planned steps of the whole run; the schedule ends at this or --total-minutes, '
                                              'whichever comes first')
    ap.add_argument('--session-steps', type=int, help='this session also stops after this many steps')
    ap.add_argument('--checkpoint', help='training state file (default <work>/unet_checkpoint.pt; its data file is <name>.data.pt)')
    ap.add_argument('--checkpoint-minutes', type=float, default=10.0, help='write the checkpoint this often (and at the end)')
    ap.add_argument('--resume', action='store_true', help='continue the run in --checkpoint')
    ap.add_argument('--init-from', help='start a new run from this model folder\'s UNet and prompt embedding (and its autoencoder)')
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--device', default='auto')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    from train_backbone.finish import finish_model  # noqa: E402 (sampling grid + model folder files)

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    ckpt_path = Path(args.checkpoint) if args.checkpoint else work / 'unet_checkpoint.pt'
    device = pick_device(args.device)
    try:
        state, data = (resume_run if args.resume else start_run)(args, work, ckpt_path, device)
    except RunError as e:
        print(f'train_unet.py: error: {e}', file=sys.stderr)
        sys.exit(2)
    budget = Budget(state.max_steps, state.plan['total_seconds'], prior_seconds=state.wall_seconds, session_seconds=args.minutes * 60,
                    session_steps=args.session_steps, start_step=state.step)
    if budget.run_done(state.step):
        print(f'the run is complete ({state.step} steps, {state.wall_seconds / 60:.1f} min of {state.plan}); nothing to train. '
              'Extend it with a larger --total-minutes / --steps, or start a new run (--init-from its model folder)')
        return
    stop_on_signals(budget)
    bank, val = data['bank'].to(device), data['val'].to(device)
    print(f'latent bank {tuple(bank.shape)}, std {bank.float().std().item():.3f} (scaled)')
    unet, prompt, summary = run_session(state, bank, val, work, device=device, budget=budget, checkpoint=ckpt_path,
                                        checkpoint_seconds=args.checkpoint_minutes * 60)
    out = finish_model(work, unet, prompt, data['tae'], data['tae_config'], summary, data['real_crops'], device)
    if state.init_from:
        write_history(out / 'loss.csv', data['history'], work / 'unet_loss.csv', state.init_from)
    print(f'wrote {out} from the EMA weights (step {state.step}); checkpoint {ckpt_path}; continue with --resume')


if __name__ == '__main__':
    main()
