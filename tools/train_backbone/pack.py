#!/usr/bin/env python3
"""Pack the real scenes of ../shared/data into one .npz that the GPU machine can read with numpy + pillow only.

Each training scene is stored as encoded image bytes: the Dubai JPEGs verbatim (re-encoding would add a second
generation of JPEG loss), every GeoTIFF-derived scene as a lossless PNG after band choice and stretch. Random
crops, scales, flips and rotations are drawn at training time (data.py), so the pack stays small (~45 MiB) and
the augmentation is unbounded. Dubai tile 6 never enters the training scenes: it is only packed as fixed 256²
validation crops, the yardstick of every quality figure.

Run with Debian's python (needs rasterio and h5py):
    /usr/bin/python3 tools/train_backbone/pack.py [--shared ../shared] [--out tools/train_backbone/work/pack.npz]
"""
from __future__ import annotations

import argparse
import glob
import io
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
VAL_TILE = 6
VAL_CROP = 256
MAX_PACK_MIB = 60  # the device tool carries at most 64 MiB with the working tree


@dataclass
class Scene:
    name: str
    group: str  # sampling group: scenes of one group share one draw weight
    licence: str
    data: bytes  # encoded image (PNG or JPEG)
    width: int
    height: int


def percentile_stretch(bands: np.ndarray, valid: np.ndarray, lo: float = 1.0, hi: float = 99.0) -> np.ndarray:
    """Per-band linear stretch of the valid pixels' [lo, hi] percentiles to 1..255 (0 stays nodata)."""
    out = np.zeros(bands.shape, dtype=np.uint8)
    for i, b in enumerate(bands):
        v = b[valid].astype(np.float64)
        if v.size == 0:
            raise ValueError('band has no valid pixels')
        a, z = np.percentile(v, [lo, hi])
        z = max(z, a + 1e-6)
        s = np.clip((b.astype(np.float64) - a) / (z - a), 0.0, 1.0) * 254.0 + 1.0
        out[i] = np.where(valid, np.round(s), 0).astype(np.uint8)
    return out


def png_bytes(rgb_hwc: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb_hwc, 'RGB').save(buf, format='PNG', optimize=True)
    return buf.getvalue()


def _read_tif(path: str) -> tuple[np.ndarray, float | None]:
    import rasterio  # Debian python3-rasterio; only the packer needs it

    with rasterio.open(path) as ds:
        return ds.read(), ds.nodata


def naip_scenes(shared: Path) -> list[Scene]:
    out = []
    for f in sorted(glob.glob(str(shared / 'data/scenes/naip_timeseries/*.tif'))):
        a, _ = _read_tif(f)
        rgb = np.ascontiguousarray(a[:3].transpose(1, 2, 0))  # R,G,B of R,G,B,NIR; NAIP is already display-ready
        out.append(Scene(f'naip/{Path(f).stem}', 'naip', 'US public domain (USDA FSA NAIP)', png_bytes(rgb), rgb.shape[1], rgb.shape[0]))
    if len(out) != 10:
        raise SystemExit(f'expected 10 NAIP dates, found {len(out)}')
    return out


def landsat_scenes(shared: Path) -> list[Scene]:
    out = []
    a, _ = _read_tif(str(shared / 'data/scenes/stars_L7_ETMs.tif'))
    bands = a[[2, 1, 0]]  # natural colour: ETM+ B3 (red), B2 (green), B1 (blue)
    valid = np.ones(bands.shape[1:], dtype=bool)
    rgb = percentile_stretch(bands, valid, 2.0, 98.0).transpose(1, 2, 0)
    rgb = np.maximum(rgb, 1)  # no real pixel may read as nodata
    out.append(Scene('landsat/stars_L7_ETMs', 'landsat', 'US public domain (Landsat); r-cran-stars Apache-2.0', png_bytes(np.ascontiguousarray(rgb)), rgb.shape[1], rgb.shape[0]))

    a, nodata = _read_tif(str(shared / 'data/scenes/rasterio_RGB.byte.tif'))
    valid = a.max(0) > (nodata or 0)
    rgb = percentile_stretch(a[:3], valid, 2.0, 98.0).transpose(1, 2, 0)
    out.append(Scene('landsat/rasterio_RGB.byte', 'landsat', 'US public domain (Landsat); rasterio BSD-3-Clause', png_bytes(np.ascontiguousarray(rgb)), rgb.shape[1], rgb.shape[0]))
    return out


def qgis_scene(shared: Path) -> list[Scene]:
    a, _ = _read_tif(str(shared / 'data/scenes/qgis_3320D_2010_315_RGB_LATLNG.tif'))
    valid = (a[3] > 0) & (a[:3].max(0) > 0)  # alpha, then all-black fill
    rgb = np.where(valid[..., None], np.maximum(a[:3].transpose(1, 2, 0), 1), 0).astype(np.uint8)
    return [Scene('aerial/qgis_3320D_2010_315', 'aerial', 'GPL-2.0 (QGIS-Training-Data)', png_bytes(np.ascontiguousarray(rgb)), rgb.shape[1], rgb.shape[0])]


def spacenet_scene(shared: Path) -> list[Scene]:
    a, nodata = _read_tif(str(shared / 'data/spacenet_sample/sample_geotiff.tif'))
    pan = a[0]
    valid = pan != (nodata if nodata is not None else -1)
    g = percentile_stretch(pan[None], valid, 1.0, 99.0)[0]
    rgb = np.ascontiguousarray(np.repeat(g[..., None], 3, axis=2))
    return [Scene('spacenet/atlanta_pan', 'spacenet', 'CC BY-SA 4.0 (SpaceNet-like, via CosmiQ/solaris Apache-2.0)', png_bytes(rgb), rgb.shape[1], rgb.shape[0])]


def chesapeake_scenes(shared: Path) -> list[Scene]:
    import h5py  # Debian python3-h5py; only the packer needs it

    out = []
    for f in sorted(glob.glob(str(shared / 'data/chesapeake_geobench/*.hdf5'))):
        with h5py.File(f, 'r') as h:
            rgb = np.stack([np.asarray(h[k], dtype=np.float32) for k in ('Red', 'Green', 'Blue')], axis=-1)
        rgb = np.clip(np.round(rgb * 255.0), 1, 255).astype(np.uint8)  # GEO-Bench stores NAIP as float 0..1
        out.append(Scene(f'chesapeake/{Path(f).stem}', 'chesapeake', 'Chesapeake Land Cover: open (GEO-Bench Apache-2.0)', png_bytes(rgb), rgb.shape[1], rgb.shape[0]))
    return out


def dubai_scenes(shared: Path, tiles: range) -> list[Scene]:
    out = []
    for t in tiles:
        if t == VAL_TILE:
            raise SystemExit('Dubai tile 6 is the validation tile and must never be trained on')
        for f in sorted(glob.glob(str(shared / f'data/dubai/tile_{t}/images/*.jpg'))):
            data = Path(f).read_bytes()
            w, h = Image.open(io.BytesIO(data)).size
            out.append(Scene(f'dubai/tile_{t}/{Path(f).stem}', 'dubai', 'CC0 1.0 (Humans in the Loop / MBRSC)', data, w, h))
    return out


def dubai_val_crops(shared: Path) -> tuple[np.ndarray, list[str]]:
    """Two fixed 256² crops (top-left and bottom-right corners) of each Dubai tile-6 image."""
    crops, names = [], []
    for f in sorted(glob.glob(str(shared / f'data/dubai/tile_{VAL_TILE}/images/*.jpg'))):
        img = np.asarray(Image.open(f).convert('RGB'))
        h, w = img.shape[:2]
        for tag, (y, x) in (('tl', (0, 0)), ('br', (h - VAL_CROP, w - VAL_CROP))):
            crops.append(img[y:y + VAL_CROP, x:x + VAL_CROP])
            names.append(f'dubai/tile_{VAL_TILE}/{Path(f).stem}/{tag}')
    return np.stack(crops), names


# Draw weights per group, not per pixel: the ten NAIP dates show one place and Dubai has most of the pixels,
# so per-pixel sampling would teach mostly two locations.
GROUP_WEIGHTS = {'dubai': 0.36, 'naip': 0.24, 'chesapeake': 0.12, 'landsat': 0.12, 'spacenet': 0.10, 'aerial': 0.06}


def build(shared: Path, include_gpl: bool) -> dict[str, np.ndarray]:
    scenes = naip_scenes(shared) + landsat_scenes(shared) + spacenet_scene(shared) + chesapeake_scenes(shared) + dubai_scenes(shared, range(1, 6))
    if include_gpl:
        scenes += qgis_scene(shared)
    groups = sorted({s.group for s in scenes})
    total = sum(GROUP_WEIGHTS[g] for g in groups)
    weights = []
    for s in scenes:
        n = sum(1 for o in scenes if o.group == s.group)
        weights.append(GROUP_WEIGHTS[s.group] / total / n)
    val, val_names = dubai_val_crops(shared)
    arrays: dict[str, np.ndarray] = {f'scene_{i:03d}': np.frombuffer(s.data, dtype=np.uint8) for i, s in enumerate(scenes)}
    manifest = {
        'format': 'satdifuser-train-pack/1',
        'scenes': [{'key': f'scene_{i:03d}', 'name': s.name, 'group': s.group, 'licence': s.licence, 'width': s.width, 'height': s.height, 'weight': w} for i, (s, w) in enumerate(zip(scenes, weights))],
        'val': {'key': 'val_dubai6', 'names': val_names, 'size': VAL_CROP},
    }
    arrays['manifest'] = np.frombuffer(json.dumps(manifest).encode(), dtype=np.uint8)
    arrays['val_dubai6'] = val
    return arrays


def build_sample_pack(scene_tif: Path, val_size: int = 64) -> dict[str, np.ndarray]:
    """A tiny pack from the bundled Landsat sample scene alone (the one image the repository may hold), for the toy
    run that tests the pipeline on a clone without ../shared: one training scene, four corner crops as validation."""
    a, _ = _read_tif(str(scene_tif))
    rgb = np.ascontiguousarray(np.maximum(percentile_stretch(a[[2, 1, 0]], np.ones(a.shape[1:], bool), 2.0, 98.0), 1).transpose(1, 2, 0))
    h, w = rgb.shape[:2]
    val = np.stack([rgb[y:y + val_size, x:x + val_size] for y, x in ((0, 0), (0, w - val_size), (h - val_size, 0), (h - val_size, w - val_size))])
    manifest = {
        'format': 'satdifuser-train-pack/1',
        'scenes': [{'key': 'scene_000', 'name': 'sample/L7_ETMs', 'group': 'landsat', 'licence': 'US public domain (Landsat)', 'width': w, 'height': h, 'weight': 1.0}],
        'val': {'key': 'val_sample', 'names': ['sample/tl', 'sample/tr', 'sample/bl', 'sample/br'], 'size': val_size},
    }
    return {'scene_000': np.frombuffer(png_bytes(rgb), dtype=np.uint8), 'manifest': np.frombuffer(json.dumps(manifest).encode(), dtype=np.uint8), 'val_sample': val}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--shared', default=str(REPO.parent / 'shared'))
    ap.add_argument('--out', default=str(REPO / 'tools/train_backbone/work/pack.npz'))
    ap.add_argument('--include-gpl', action='store_true', help='also train on the GPL-2.0 QGIS orthophoto (off: see docs/default-backbone.md)')
    ap.add_argument('--sample-only', action='store_true', help='tiny pack from resources/sample/L7_ETMs.tif only (toy runs, tests)')
    args = ap.parse_args()
    if args.sample_only:
        arrays = build_sample_pack(REPO / 'resources/sample/L7_ETMs.tif')
    else:
        shared = Path(args.shared)
        if not (shared / 'data').is_dir():
            sys.exit(f'no data folder under {shared}: pass --shared <path to the shared folder>')
        arrays = build(shared, args.include_gpl)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    np.savez(args.out, **arrays)  # members are already compressed images; zip deflate would only cost time
    mib = os.path.getsize(args.out) / 2**20
    m = json.loads(arrays['manifest'].tobytes())
    print(f'{args.out}: {len(m["scenes"])} scenes, {len(m["val"]["names"])} validation crops, {mib:.1f} MiB')
    if mib > MAX_PACK_MIB:
        sys.exit(f'pack is {mib:.1f} MiB, over the {MAX_PACK_MIB} MiB that travels to the GPU machine')


if __name__ == '__main__':
    main()
