"""The UNet run's whole training state, so CPU training can go on over several sessions and land on the same weights
as one uninterrupted run.

The checkpoint (`<work>/unet_checkpoint.pt`) holds everything the next step depends on: UNet and prompt parameters,
AdamW moments, the EMA shadow and its counter, the step, the data/noise generator and torch's global generator, the
summed wall time of all sessions and the plan (total minutes / steps) that the learning-rate schedule spans.

The latent bank, the validation latents, the real crops of the sample grid and the autoencoder live beside it in a
data file written once at the first session (`<checkpoint stem>.data.pt`). Encoding them again in a later session
could differ in the last bit (another thread count, a rebuilt pack, a re-installed model folder) and would quietly
change the run; a run id in both files ties them together."""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import torch

from pyldm.safetensors_io import load_file
from pyldm.tae import TinyAutoencoder
from pyldm.unet import UNet2DConditionModel, UNetConfig, config_to_dict
from train_backbone.common import save_atomic
from train_backbone.configs import PRESETS as UNET_PRESETS
from train_backbone.configs import unet_config

FORMAT = 'satdifuser-unet-checkpoint/1'
DATA_FORMAT = 'satdifuser-unet-run-data/1'
PROMPT_TOKENS = 77
# Preset entries that change what is trained; the logging cadence may change between sessions.
TRAINING_KEYS = ('unet', 'crop', 'bank', 'batch', 'lr', 'ema')


class RunError(Exception):
    """A checkpoint or model folder that cannot be used as asked; the message says what to do instead."""


class EMA:
    """Exponential moving average of parameters, decay warmed up as min(decay, (1+n)/(10+n)) so early weights
    do not linger (diffusers' EMAModel default)."""

    def __init__(self, params: list[torch.nn.Parameter], decay: float):
        self.decay = decay
        self.shadow = [p.detach().clone().float() for p in params]
        self.n = 0

    @torch.no_grad()
    def update(self, params: list[torch.nn.Parameter]) -> None:
        self.n += 1
        d = min(self.decay, (1 + self.n) / (10 + self.n))
        for s, p in zip(self.shadow, params):
            s.mul_(d).add_(p.detach().float(), alpha=1 - d)

    @torch.no_grad()
    def copy_to(self, params: list[torch.nn.Parameter]) -> None:
        for s, p in zip(self.shadow, params):
            p.copy_(s.to(p.dtype))

    def state_dict(self) -> dict:
        return {'decay': self.decay, 'n': self.n, 'shadow': self.shadow}

    @torch.no_grad()
    def load_state_dict(self, sd: dict) -> None:
        if len(sd['shadow']) != len(self.shadow):
            raise RunError(f'the checkpoint\'s EMA has {len(sd["shadow"])} tensors, this UNet {len(self.shadow)}')
        for s, v in zip(self.shadow, sd['shadow']):
            s.copy_(v)
        self.decay, self.n = sd['decay'], sd['n']


@dataclass
class InitWeights:
    """An existing model folder's UNet, prompt embedding and autoencoder, to start a new run from."""
    unet: dict[str, torch.Tensor]
    prompt: torch.Tensor
    tae: TinyAutoencoder
    tae_cfg: dict
    info: dict  # folder, name, and the steps / seconds the weights were already trained for
    history: list[dict]  # its loss.csv rows: the curve this run continues


@dataclass
class TrainState:
    preset_name: str
    preset: dict
    unet_cfg: dict
    unet: UNet2DConditionModel
    prompt: torch.nn.Parameter
    opt: torch.optim.AdamW
    ema: EMA
    gen: torch.Generator  # batch indices, timesteps and noise
    plan: dict  # {'total_seconds': float (inf: none), 'total_steps': int | None}
    run_id: str
    seed: int = 0
    step: int = 0
    wall_seconds: float = 0.0  # earlier sessions together; the session's own time is in its Budget
    sessions: int = 0
    recent: list[float] = field(default_factory=list)  # losses since the last logged row
    last: dict = field(default_factory=dict)  # lr, loss and v_mse of the latest step
    init_from: dict | None = None

    @property
    def params(self) -> list[torch.nn.Parameter]:
        return list(self.unet.parameters()) + [self.prompt]

    @property
    def max_steps(self) -> int:
        return self.plan['total_steps'] or 10**9


def new_state(unet_cfg: dict, preset_name: str, preset: dict, device: torch.device, plan: dict, seed: int = 0,
              init: InitWeights | None = None) -> TrainState:
    """Step 0 of a run: random weights (drawn in the order the first version of train_unet did, so a seed gives the
    same run as before), or `init`'s weights with a fresh optimiser and the EMA starting at them."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    dgen = torch.Generator(device=device).manual_seed(seed)
    unet = UNet2DConditionModel(UNetConfig.from_dict(unet_cfg)).to(device).train()
    prompt = torch.nn.Parameter(torch.randn(1, PROMPT_TOKENS, unet_cfg['cross_attention_dim'], generator=gen).to(device))
    if init is not None:
        unet.load_state_dict({k: v.float() for k, v in init.unet.items()}, strict=True)
        with torch.no_grad():
            prompt.copy_(init.prompt.float().reshape(prompt.shape))
    params = list(unet.parameters()) + [prompt]
    opt = torch.optim.AdamW(params, lr=preset['lr'], weight_decay=0.01, betas=(0.9, 0.999))
    return TrainState(preset_name, dict(preset), unet_cfg, unet, prompt, opt, EMA(params, preset['ema']), dgen, dict(plan),
                      uuid.uuid4().hex, seed, init_from=init.info if init else None)


def checkpoint_dict(s: TrainState, wall_seconds: float) -> dict:
    return {
        'format': FORMAT, 'run_id': s.run_id, 'preset_name': s.preset_name, 'preset': s.preset, 'unet_config': s.unet_cfg,
        'device': s.prompt.device.type, 'seed': s.seed, 'step': s.step, 'wall_seconds': wall_seconds, 'sessions': s.sessions,
        'plan': s.plan, 'init_from': s.init_from, 'recent': list(s.recent), 'last': dict(s.last),
        'unet': s.unet.state_dict(), 'prompt': s.prompt.detach(), 'optimizer': s.opt.state_dict(), 'ema': s.ema.state_dict(),
        'rng': {'data': s.gen.get_state(), 'torch': torch.get_rng_state()},
    }


def save_checkpoint(s: TrainState, path: Path, wall_seconds: float) -> None:
    save_atomic(checkpoint_dict(s, wall_seconds), path)


def load_checkpoint(path: Path) -> dict:
    if not path.exists():
        raise RunError(f'no checkpoint at {path}: start the run without --resume (with --init-from models/satdifuser-tiny to '
                          'continue the shipped weights), or pass --checkpoint <file> if it was written elsewhere')
    ckpt = torch.load(path, map_location='cpu')
    if not isinstance(ckpt, dict) or ckpt.get('format') != FORMAT:
        raise RunError(f'{path} is not a train_unet.py checkpoint (format {ckpt.get("format") if isinstance(ckpt, dict) else None!r})')
    return ckpt


def check_compatible(ckpt: dict, path: Path, preset_name: str, preset: dict, device: torch.device) -> None:
    """Refuses a resume whose preset, UNet config or device differs from the checkpoint's: the state would not fit,
    or the run would silently become another one."""
    if ckpt['preset_name'] != preset_name:
        raise RunError(f'{path} was made with --preset {ckpt["preset_name"]}, not {preset_name}: resume with --preset '
                          f'{ckpt["preset_name"]} (or leave --preset out), or start a new run with another --checkpoint')
    diff = [k for k in TRAINING_KEYS if ckpt['preset'].get(k) != preset.get(k)]
    if diff:
        raise RunError(f'preset {preset_name!r} has changed since {path} was made ('
                          + ', '.join(f'{k}: {ckpt["preset"].get(k)!r} then, {preset.get(k)!r} now' for k in diff)
                          + '); restore those values in train_unet.py PRESETS to resume, or start a new run')
    now = _normalised(unet_config(preset['unet']))
    then = _normalised(ckpt['unet_config'])
    if now != then:
        keys = sorted(k for k in set(now) | set(then) if now.get(k) != then.get(k))
        raise RunError(f'the UNet config of preset {preset["unet"]!r} (configs.py) has changed since {path} was made '
                          f'({", ".join(keys)} differ); restore it to resume, or start a new run')
    if ckpt['device'] != device.type:
        raise RunError(f'{path} was made on {ckpt["device"]}; resume it with --device {ckpt["device"]} '
                          '(its generator state belongs to that device)')


def restore_state(ckpt: dict, device: torch.device) -> TrainState:
    s = new_state(ckpt['unet_config'], ckpt['preset_name'], ckpt['preset'], device, ckpt['plan'], ckpt['seed'])
    s.unet.load_state_dict(ckpt['unet'], strict=True)
    with torch.no_grad():
        s.prompt.copy_(ckpt['prompt'])
    s.opt.load_state_dict(ckpt['optimizer'])
    s.ema.load_state_dict(ckpt['ema'])
    s.gen.set_state(ckpt['rng']['data'])
    torch.set_rng_state(ckpt['rng']['torch'])
    s.run_id, s.step, s.wall_seconds, s.sessions = ckpt['run_id'], ckpt['step'], ckpt['wall_seconds'], ckpt['sessions']
    s.recent, s.last, s.init_from = list(ckpt['recent']), dict(ckpt['last']), ckpt['init_from']
    return s


def _normalised(cfg: dict) -> dict:
    return config_to_dict(UNetConfig.from_dict(cfg))


def data_path(checkpoint: Path) -> Path:
    return checkpoint.with_name(checkpoint.name.removesuffix('.pt') + '.data.pt')


def save_run_data(path: Path, run_id: str, bank: torch.Tensor, val: torch.Tensor, real_crops: torch.Tensor, tae: TinyAutoencoder,
                  tae_cfg: dict, history: list[dict]) -> None:
    save_atomic({'format': DATA_FORMAT, 'run_id': run_id, 'bank': bank.cpu().clone(), 'val': val.cpu().clone(),
                 'real_crops': real_crops.cpu().clone(),  # clone: a slice would save its whole bank's storage
                 'tae_config': tae_cfg, 'tae_encoder': tae.encoder.float().cpu().state_dict(),
                 'tae_decoder': tae.decoder.float().cpu().state_dict(), 'history': history}, path)


def load_run_data(path: Path, run_id: str) -> dict:
    """{'bank', 'val', 'real_crops', 'tae', 'tae_config', 'history'} of the run `run_id`."""
    if not path.exists():
        raise RunError(f'the run\'s data file {path} (latent bank and autoencoder, written at its first session) is missing; '
                          'without it the run cannot continue unchanged: start a new run')
    d = torch.load(path, map_location='cpu')
    if d.get('format') != DATA_FORMAT or d.get('run_id') != run_id:
        raise RunError(f'{path} belongs to another run (run id {d.get("run_id")!r}, the checkpoint\'s is {run_id!r}); '
                          'put back the data file written with this checkpoint, or start a new run')
    tae = TinyAutoencoder.from_config(d['tae_config'])
    tae.encoder.load_state_dict(d['tae_encoder'])
    tae.decoder.load_state_dict(d['tae_decoder'])
    return {**d, 'tae': tae.eval()}


def load_init(folder: Path, preset_name: str, unet_cfg: dict) -> InitWeights:
    """A model folder as written by finish.py (models/satdifuser-tiny), refused unless its UNet config is the
    preset's: the optimiser, bank and schedule of the preset would not fit another network."""
    import csv

    from pyldm.unet import drop_metadata_weights, load_state_dict, weights_file

    card_file = folder / 'backbone.json'
    if not card_file.exists() or not (folder / 'config.json').exists():
        raise RunError(f'--init-from {folder}: not a model folder (needs backbone.json and config.json, as in models/satdifuser-tiny)')
    card = json.loads(card_file.read_text())
    theirs = _normalised(json.loads((folder / 'config.json').read_text()))
    if theirs != _normalised(unet_cfg):
        match = [p for p in UNET_PRESETS if _normalised(unet_config(p)) == theirs]
        hint = f'pass --preset {match[0]}' if match else 'no preset of configs.py has its config'
        raise RunError(f'--init-from {folder}: its UNet (block_out_channels {theirs["block_out_channels"]}, cross_attention_dim '
                          f'{theirs["cross_attention_dim"]}) is not preset {preset_name!r}\'s '
                          f'({unet_cfg["block_out_channels"]}, {unet_cfg["cross_attention_dim"]}); {hint}')
    unet = drop_metadata_weights(load_state_dict(weights_file(str(folder))))
    pe = card['prompt_embedding']
    prompt = load_file(folder / pe['file'])[0][pe['key']]
    from train_backbone.gpu_main import load_shipped_tae  # here: gpu_main imports train_unet, which imports this module

    tae, tae_info = load_shipped_tae(folder)
    training = card.get('training', {})
    tae_cfg = {**tae_info, 'training': training.get('autoencoder', {})}
    previous = training.get('unet', {})
    info = {'model': str(folder), 'name': card.get('name', folder.name), 'steps': int(previous.get('steps', 0)),
            'seconds': float(previous.get('seconds', 0.0))}
    history: list[dict] = []
    if (folder / 'loss.csv').exists():
        with open(folder / 'loss.csv', newline='') as f:
            history = list(csv.DictReader(f))
    return InitWeights(dict(unet), prompt, tae, tae_cfg, info, history)
