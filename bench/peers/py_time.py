#!/usr/bin/python3
"""Times PyTorch (eager, the same torchvision architecture) or OpenCV DNN (the ONNX file).

Usage: /usr/bin/python3 py_time.py torch|opencv MODEL.onnx THREADS BATCH RUNS WARMUP
Prints one JSON line with the median, p10, p90 and min latency in ms.
"""
import json
import os
import sys
import time

import numpy as np


def quantile(sorted_ms, q):
    pos = q * (len(sorted_ms) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(sorted_ms) - 1)
    return sorted_ms[lo] + (pos - lo) * (sorted_ms[hi] - sorted_ms[lo])


def time_it(fn, runs, warmup):
    for _ in range(warmup):
        fn()
    ms = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        ms.append((time.perf_counter() - t0) * 1e3)
    ms.sort()
    return {"median_ms": quantile(ms, 0.5), "p10_ms": quantile(ms, 0.1),
            "p90_ms": quantile(ms, 0.9), "min_ms": ms[0]}


def main():
    engine, model = sys.argv[1], sys.argv[2]
    threads, batch, runs, warmup = (int(v) for v in sys.argv[3:7])
    x = np.cos(0.37 * np.arange(batch * 3 * 224 * 224, dtype=np.float32)).reshape(batch, 3, 224, 224)
    if engine == "torch":
        import torch
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from export_bench_models import ARCHS
        torch.set_num_threads(threads)
        net = ARCHS[os.path.splitext(os.path.basename(model))[0]]().eval()
        xt = torch.from_numpy(x)

        def run():
            with torch.inference_mode():
                net(xt)
        version = torch.__version__
    elif engine == "opencv":
        import cv2
        cv2.setNumThreads(threads)
        net = cv2.dnn.readNetFromONNX(model)

        def run():
            net.setInput(x)
            net.forward()
        version = cv2.__version__
    else:
        raise SystemExit("engine must be torch or opencv")
    print(json.dumps({"engine": engine, "version": version, "threads": threads, "batch": batch,
                      **time_it(run, runs, warmup)}))


if __name__ == "__main__":
    main()
