"""PyTorch side of bench/unet.ts: a full-size DiffusionSat-256 UNet (SD 2.1 config, random weights, seed 0) and an
SD 2.x VAE encoder, saved as diffusers folders for the ONNX side, and timed in PyTorch CPU with the same threads.

    /usr/bin/python3 tools/reference/bench_unet_torch.py OUT_DIR THREADS [--skip-save]

Prints one JSON line: BLAS in use, 2048² matmul GFLOP/s, seconds per UNet call at a 32×32 latent, peak RSS.
"""
import json
import os
import resource
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import pyldm_path  # noqa: E402,F401
from unet import UNet2DConditionModel, UNetConfig, save_pretrained  # noqa: E402
from safetensors_io import save_file  # noqa: E402
from sd21_config import unet_config  # noqa: E402
import vae_encoder  # noqa: E402

SD21_UNET = unet_config(use_metadata=False, num_metadata=0)
SD21_VAE = {
    "_class_name": "AutoencoderKL", "block_out_channels": [128, 256, 512, 512], "down_block_types": ["DownEncoderBlock2D"] * 4,
    "in_channels": 3, "latent_channels": 4, "layers_per_block": 2, "norm_num_groups": 32, "scaling_factor": 0.18215,
}


def blas_info():
    cfg = torch.__config__.show()
    blas = next((l.split("BLAS_INFO=")[1].split(",")[0] for l in cfg.splitlines() if "BLAS_INFO=" in l), "?")
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    a @ b
    t = time.perf_counter()
    for _ in range(3):
        a @ b
    gflops = 3 * 2 * 2048 ** 3 / (time.perf_counter() - t) / 1e9
    lib = "?"
    with open(f"/proc/{os.getpid()}/maps") as f:
        for line in f:
            if "blas" in line.lower():
                lib = line.split()[-1]
                break
    return blas, lib, gflops


def main():
    out, threads = sys.argv[1], int(sys.argv[2])
    torch.set_num_threads(threads)
    blas, lib, gflops = blas_info()
    torch.manual_seed(0)
    unet = UNet2DConditionModel(UNetConfig.from_dict(SD21_UNET)).eval()
    if "--skip-save" not in sys.argv:
        save_pretrained(unet, os.path.join(out, "unet"))
        with open(os.path.join(out, "unet", "config.json"), "w") as f:
            json.dump(SD21_UNET, f)
        vae = vae_encoder.VAEEncoder(SD21_VAE).eval()
        os.makedirs(os.path.join(out, "vae"), exist_ok=True)
        save_file(vae.state_dict(), os.path.join(out, "vae", "diffusion_pytorch_model.safetensors"))
        with open(os.path.join(out, "vae", "config.json"), "w") as f:
            json.dump(SD21_VAE, f)
    x = torch.randn(1, 4, 32, 32)
    ctx = torch.randn(1, 77, 1024)
    t = torch.tensor([21.0])

    cpu = []

    def timed(n_threads):
        torch.set_num_threads(n_threads)
        out = []
        cpu.clear()
        with torch.no_grad():
            unet(x, t, ctx)  # warm-up
            for _ in range(int(os.environ.get("BENCH_RUNS", "5"))):
                c, s = time.process_time(), time.perf_counter()
                unet(x, t, ctx, return_taps=True)
                out.append(time.perf_counter() - s)
                cpu.append(time.process_time() - c)
        return out

    times = timed(threads)
    # One thread as well: on an oversubscribed machine OpenMP's barriers make multi-threaded torch collapse,
    # while a single thread on each side stays comparable. Its CPU seconds (all threads of the process) are the
    # work a call costs, which time-slicing by other processes does not inflate the way it inflates wall time.
    single = timed(1)
    single_cpu = sorted(cpu)[len(cpu) // 2]
    print(json.dumps({"blas": blas, "blas_lib": lib, "matmul_gflops": round(gflops, 1), "threads": threads,
                      "call_s": min(times), "call_median_s": sorted(times)[len(times) // 2], "calls": times,
                      "call_1thread_s": min(single), "call_1thread_cpu_s": single_cpu,
                      "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20}))


if __name__ == "__main__":
    main()
