"""Shared pieces of the PyTorch reference benches: thread setup, timing, JSON.

Thread counts must be fixed before `import torch`: OpenBLAS (Debian's torch
resolves libblas.so.3 to it through update-alternatives) reads
OPENBLAS_NUM_THREADS once when it is loaded, and torch.set_num_threads only
steers ATen's OpenMP pool, not OpenBLAS's own pthread pool.

The two pools take turns within a step (GEMMs in OpenBLAS, element-wise ops
in OpenMP). With libgomp's default spin-waiting, idle OpenMP workers keep the
cores busy while OpenBLAS runs: on a 2-core machine the MLP train step was
about 2x slower (measured 8-9k vs 18-22k ex/s at W=256). OMP_WAIT_POLICY=PASSIVE
removes that, so it is the default here (an explicit setting wins).
"""
import argparse
import json
import os
import statistics
import sys
import time


def available_cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def base_parser(description, task_default):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--task", default=task_default)
    p.add_argument("--phase", choices=["train", "eval"], default="train")
    p.add_argument("--batch", type=int, default=1024, help="base examples per step (B)")
    p.add_argument("--k", type=int, choices=[1, 2, 4], default=2, help="aligned variables")
    p.add_argument("--steps", type=int, default=5, help="timed steps per window")
    p.add_argument("--windows", type=int, default=5, help="timed windows; the median is reported")
    p.add_argument("--warmup", type=int, default=3, help="untimed steps first")
    p.add_argument("--threads", type=int, default=available_cores(), help="CPU threads (default: all cores)")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    p.add_argument("--seed", type=int, default=0)
    return p


def import_torch(threads):
    """Pin every thread pool to `threads`, then import torch."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        import torch
    except ImportError:
        # Distinct exit code so `npm run bench` can say "no reference" instead of failing.
        sys.stderr.write("no torch for %s: run bench/install-reference.sh and use /usr/bin/python3\n" % sys.executable)
        sys.exit(3)

    torch.set_num_threads(threads)
    return torch


def blas_library():
    """The BLAS shared object actually mapped into this process (Linux only)."""
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line.lower() and "/" in line}
        return ",".join(sorted(os.path.basename(os.path.dirname(l)) + "/" + os.path.basename(l) for l in libs)) or None
    except OSError:
        return None


def time_step(torch, fn, device, warmup, steps, windows):
    """Median seconds per call over `windows` windows of `steps` calls, after `warmup` calls.

    Same scheme as bench/iitStep.ts timeIt. On CUDA the window ends at a
    synchronize so queued kernels are counted; on CPU every op is synchronous.
    """
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    for _ in range(warmup):
        fn()
    sync()
    per_step = []
    for _ in range(windows):
        t0 = time.perf_counter()
        for _ in range(steps):
            fn()
        sync()
        per_step.append((time.perf_counter() - t0) / steps)
    return statistics.median(per_step), per_step


def report(torch, args, extra, seconds, per_window, items_per_step, flops_per_example):
    out = {
        "task": args.task,
        "phase": args.phase,
        **extra,
        "batch": args.batch,
        "k": args.k,
        "device": args.device,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "examplesPerSecond": items_per_step / seconds,
        "secondsPerStep": seconds,
        "flopsPerExample": flops_per_example,
        "gflopsPerSecond": flops_per_example * items_per_step / seconds / 1e9,
        "windowsSecondsPerStep": per_window,
        "blas": blas_library(),
        "ompWaitPolicy": os.environ.get("OMP_WAIT_POLICY"),
        # Other work on the machine skews CPU timings; keep the evidence with the number.
        "loadAverage1m": os.getloadavg()[0],
    }
    if args.device == "cuda":
        out["gpu"] = torch.cuda.get_device_name(0)
    sys.stdout.write(json.dumps(out) + "\n")
