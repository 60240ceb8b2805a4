#!/usr/bin/env python3
"""Benchmark of the Python reference pipeline (insightface SCRFD + norm_crop + fr_feature, onnxruntime CPU).

Per-stage means (ms):
  decode        cv2.imread(IMREAD_COLOR) per image
  detect640/320 insightface SCRFD.detect per image, incl. letterbox / blob / decode / NMS;
                *RunMs = the part spent inside the detector's session.run
  align         norm_crop per face (faces of the 640 detections)
  embed b=1/8/32 recognizer per batch: blob (BGR, (x-127.5)/127.5, NCHW) + session.run + L2 norm;
                runMs = session.run only; perFace = batch / b
End to end: per image read -> detect 640 -> norm_crop every face -> embed all faces of the image in
one batch; images/s over the image set (x --repeat) after 3 warm-up images; runShare = fraction
of that time spent inside session.run (detector + recognizer).
The JSON also has "median" (per-image / per-batch medians), which is more robust on a shared, noisy CPU.

  tools/reference/.venv/bin/python tools/reference/bench_reference.py --threads 2 --json
Human table -> stderr; with --json one JSON object -> stdout.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

from common import IMG_EXT, Reference, add_common_args, golden_image_set, versions

pc = time.perf_counter


def load_image_list(spec: str | None, data_dir: str) -> list[str]:
    if not spec:
        return [os.path.join(data_dir, p) for p in golden_image_set(data_dir)]
    sp = Path(spec)
    if sp.is_dir():
        return sorted(str(p) for p in sp.rglob("*") if p.is_file() and p.suffix.lower() in IMG_EXT)
    out = []
    for line in sp.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        p = Path(line)
        if not p.is_absolute():
            p = Path(data_dir) / line if (Path(data_dir) / line).exists() else sp.parent / line
        out.append(str(p))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(ap, threads_default=2)
    ap.add_argument("--images", default=None,
                    help="image list file (paths relative to --data, to the list, or absolute) or a folder; "
                         "default: the 48-image golden set (see common.golden_image_set)")
    ap.add_argument("--repeat", type=int, default=3, help="passes over the image set per stage (default %(default)s)")
    ap.add_argument("--warmup", type=int, default=3, help="warm-up images before each stage (default %(default)s)")
    ap.add_argument("--json", action="store_true", help="print one JSON object with all figures to stdout")
    args = ap.parse_args()

    paths = load_image_list(args.images, args.data)
    if not paths:
        sys.exit("no images")
    ref = Reference(args.models, args.threads, 0.5, 0.4, args.rec_color, args.rec_mean, args.rec_std,
                    spin=not args.no_spin)
    det, rec = ref.det_sess, ref.rec_sess
    load0 = os.getloadavg()[0]
    t_start = pc()
    W = min(args.warmup, len(paths))

    # ---- decode
    for p in paths[:W]:
        ref.read(p)
    t = pc()
    for _ in range(args.repeat):
        imgs = [ref.read(p) for p in paths]
    decode_ms = (pc() - t) * 1000 / (args.repeat * len(paths))

    # ---- detect
    def bench_detect(size: int):
        for im in imgs[:W]:
            ref.detect(im, size)
        det.reset()
        results, per = [], []
        t = pc()
        for _ in range(args.repeat):
            results = []
            for im in imgs:
                t1 = pc()
                results.append(ref.detect(im, size))
                per.append(pc() - t1)
        n = args.repeat * len(imgs)
        medians[f"detect{size}Ms"] = round(float(np.median(per)) * 1000, 3)
        return (pc() - t) * 1000 / n, det.run_s * 1000 / n, results

    medians = {}
    d640_ms, d640_run, res640 = bench_detect(640)
    d320_ms, d320_run, res320 = bench_detect(320)
    faces = [(i, k) for i, (_, kps) in enumerate(res640) for k in kps]
    n_faces = len(faces)

    # ---- align
    crops = []
    if faces:
        for i, k in faces[:W]:
            ref.align(imgs[i], k)
        t = pc()
        for _ in range(args.repeat):
            crops = [ref.align(imgs[i], k) for i, k in faces]
        align_ms = (pc() - t) * 1000 / (args.repeat * n_faces)
    else:
        align_ms = float("nan")
        crops = [np.zeros((112, 112, 3), np.uint8)]

    # ---- embed at fixed batch sizes (crops cycled to fill a batch)
    embed = {}
    for b in (1, 8, 32):
        iters = max(3, {1: 64, 8: 12, 32: 4}[b] * args.repeat)
        batches = [[crops[(j * b + q) % len(crops)] for q in range(b)] for j in range(iters)]
        for bt in batches[:2]:
            ref.embed(bt)
        rec.reset()
        per = []
        t = pc()
        for bt in batches:
            t1 = pc()
            ref.embed(bt)
            per.append(pc() - t1)
        medians[f"embed{b}BatchMs"] = round(float(np.median(per)) * 1000, 3)
        batch_ms = (pc() - t) * 1000 / iters
        run_ms = rec.run_s * 1000 / iters
        embed[str(b)] = {"batchMs": round(batch_ms, 3), "runMs": round(run_ms, 3),
                         "perFaceMs": round(batch_ms / b, 3), "runPerFaceMs": round(run_ms / b, 3)}

    # ---- end to end
    def pipeline(p):
        img = ref.read(p)
        dets, kps = ref.detect(img, 640)
        if len(kps):
            ref.embed([ref.align(img, k) for k in kps])
        return len(kps)

    for p in paths[:W]:
        pipeline(p)
    det.reset()
    rec.reset()
    nf = 0
    per = []
    t = pc()
    for _ in range(args.repeat):
        for p in paths:
            t1 = pc()
            nf += pipeline(p)
            per.append(pc() - t1)
    e2e_s = pc() - t
    medians["endToEndMsPerImage"] = round(float(np.median(per)) * 1000, 3)
    n_img = args.repeat * len(paths)
    run_s = det.run_s + rec.run_s

    v = versions()
    out = {
        "threads": args.threads,
        "ortSpinning": not args.no_spin,
        "images": len(paths),
        "repeat": args.repeat,
        "faces640": n_faces,
        "decodeMs": round(decode_ms, 3),
        "detect640Ms": round(d640_ms, 3),
        "detect640RunMs": round(d640_run, 3),
        "detect320Ms": round(d320_ms, 3),
        "detect320RunMs": round(d320_run, 3),
        "alignMsPerFace": round(align_ms, 4),
        "embed": embed,
        "endToEnd": {
            "imagesPerSec": round(n_img / e2e_s, 3),
            "msPerImage": round(e2e_s * 1000 / n_img, 3),
            "facesPerImage": round(nf / n_img, 3),
            "runShare": round(run_s / e2e_s, 4),
            "detectRunShare": round(det.run_s / e2e_s, 4),
            "embedRunShare": round(rec.run_s / e2e_s, 4),
        },
        "median": medians,
        "recognizerPreprocess": {"colorOrder": args.rec_color, "mean": args.rec_mean, "std": args.rec_std},
        "versions": v,
        "cpu": {"count": os.cpu_count(), "machine": platform.machine(),
                "loadAvg1mStart": round(load0, 2), "loadAvg1mEnd": round(os.getloadavg()[0], 2)},
        "wallSec": round(pc() - t_start, 2),
    }

    e = out["endToEnd"]
    lines = [
        f"reference pipeline benchmark: {len(paths)} images x{args.repeat}, threads={args.threads}, "
        f"insightface {v['insightface']}, onnxruntime {v['onnxruntime']}, opencv {v['opencv']}",
        f"  {'decode (cv2.imread)':34s} {decode_ms:8.2f} ms/image",
        f"  {'detect 640 (SCRFD.detect)':34s} {d640_ms:8.2f} ms/image   session.run {d640_run:7.2f} ms",
        f"  {'detect 320 (SCRFD.detect)':34s} {d320_ms:8.2f} ms/image   session.run {d320_run:7.2f} ms",
        f"  {'align (norm_crop)':34s} {align_ms:8.3f} ms/face    ({n_faces} faces at 640)",
    ]
    for b, m in embed.items():
        lines.append(f"  {'embed batch ' + b:34s} {m['batchMs']:8.2f} ms/batch   session.run {m['runMs']:7.2f} ms"
                     f"   = {m['perFaceMs']:6.2f} ms/face")
    lines.append(f"  {'end to end (read+det640+align+embed)':34s} {e['imagesPerSec']:8.2f} images/s "
                 f"({e['msPerImage']:.1f} ms/image, {e['facesPerImage']:.2f} faces/image, "
                 f"{100*e['runShare']:.0f}% in session.run)")
    lines.append("  medians: " + ", ".join(f"{k} {v}" for k, v in medians.items()))
    lines.append(f"  load avg 1m: start {load0:.2f}, end {out['cpu']['loadAvg1mEnd']:.2f}; wall {out['wallSec']} s")
    print("\n".join(lines), file=sys.stderr)
    if args.json:
        print(json.dumps(out))


if __name__ == "__main__":
    main()
