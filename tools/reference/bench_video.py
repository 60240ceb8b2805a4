#!/usr/bin/env python3
"""The insightface FaceAnalysis loop over a video, as fast as it goes: the baseline of `npm run bench:pipeline`.

Every frame: cv2 decode -> SCRFD.detect at --det-size -> norm_crop every face -> embed all faces of the frame in one
batch (what FaceAnalysis.get does per frame, with the same model files as BoostFace). Prints one JSON object:
frames, faces, frames/s, per-frame mean/p50/p95 ms, after --warmup frames.

  tools/reference/.venv/bin/python tools/reference/bench_video.py VIDEO [--frames N] [--threads 2]
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import cv2
import numpy as np

from common import Reference, add_common_args, versions


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(ap, threads_default=2)
    ap.add_argument("video")
    ap.add_argument("--det-size", type=int, default=640)
    ap.add_argument("--frames", type=int, default=0, help="stop after this many timed frames (0 = whole video)")
    ap.add_argument("--warmup", type=int, default=3)
    args = ap.parse_args()
    ref = Reference(args.models, args.threads, 0.5, 0.4, args.rec_color, args.rec_mean, args.rec_std, spin=not args.no_spin)
    cap = cv2.VideoCapture(args.video)
    if not cap.isOpened():
        sys.exit(f"cannot open {args.video}")
    per, faces, n = [], 0, 0
    t_all = None
    while True:
        t0 = time.perf_counter()
        ok, frame = cap.read()
        if not ok:
            break
        _, kps = ref.detect(frame, args.det_size)
        if len(kps):
            ref.embed([ref.align(frame, k) for k in kps])
        dt = time.perf_counter() - t0
        n += 1
        if n == args.warmup:
            t_all = time.perf_counter()
        if n > args.warmup:
            per.append(dt)
            faces += len(kps)
            if args.frames and len(per) >= args.frames:
                break
    if not per:
        sys.exit("video too short")
    wall = time.perf_counter() - t_all
    ms = np.array(per) * 1000
    print(json.dumps({
        "video": args.video, "detSize": args.det_size, "threads": args.threads, "frames": len(per), "faces": faces,
        "framesPerSec": round(len(per) / wall, 2), "meanMs": round(float(ms.mean()), 2),
        "p50Ms": round(float(np.percentile(ms, 50)), 2), "p95Ms": round(float(np.percentile(ms, 95)), 2),
        "versions": versions(),
    }))


if __name__ == "__main__":
    main()
