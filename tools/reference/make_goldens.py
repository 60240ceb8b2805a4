#!/usr/bin/env python3
"""Writes the parity goldens server/test/golden/parity-640.json and parity-320.json.

For each image of the fixed set (common.golden_image_set): insightface SCRFD.detect at det size
S x S (threshold 0.5, NMS 0.4), boxes / scores / 5 landmarks of every face, and for the 8 largest
faces (box area) the recognizer embedding of norm_crop(img, landmarks) as base64 of 512 float32
little-endian values, L2-normalised.

  tools/reference/.venv/bin/python tools/reference/make_goldens.py [--sizes 640,320] [--threads 2]
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import time

import numpy as np

from common import GOLDEN_DIR, Reference, add_common_args, golden_image_set, r, versions

MAX_EMBED = 8


def build(ref: Reference, data_dir: str, rel_paths: list[str], det_size: int, args) -> dict:
    images = []
    for rel in rel_paths:
        img = ref.read(os.path.join(data_dir, rel))
        dets, kps = ref.detect(img, det_size)
        areas = (dets[:, 2] - dets[:, 0]) * (dets[:, 3] - dets[:, 1])
        embed_idx = set(np.argsort(-areas, kind="stable")[:MAX_EMBED].tolist())
        faces = []
        for i in range(dets.shape[0]):
            f = {"box": [r(v, 3) for v in dets[i, :4]], "score": r(dets[i, 4], 5),
                 "landmarks": [[r(x, 3), r(y, 3)] for x, y in kps[i]]}
            if i in embed_idx:
                e = ref.embed([ref.align(img, kps[i])])[0]  # batch 1
                f["embedding"] = base64.b64encode(e.astype("<f4").tobytes()).decode("ascii")
            faces.append(f)
        images.append({"path": rel, "width": int(img.shape[1]), "height": int(img.shape[0]), "faces": faces})
        print(f"  [{det_size}] {rel}: {len(faces)} faces", file=sys.stderr)
    v = versions()
    return {
        "generator": "tools/reference/make_goldens.py",
        "insightface": v["insightface"],
        "onnxruntime": v["onnxruntime"],
        "opencv": v["opencv"],
        "numpy": v["numpy"],
        "detector": "scrfd_2.5g_bnkps.onnx",
        "recognizer": "fr_feature_dynbatch.onnx",
        "detSize": det_size,
        "detThreshold": args.det_thresh,
        "nmsThreshold": args.nms_thresh,
        "recognizerPreprocess": {"colorOrder": args.rec_color, "mean": args.rec_mean, "std": args.rec_std},
        "notes": ("insightface SCRFD.detect (letterbox top-left, RGB (x-127.5)/128) + face_align.norm_crop "
                  "(ArcFace template, 112x112); images read with cv2.imread(IMREAD_COLOR). Faces in detector "
                  f"order (score desc after NMS). Embeddings (base64, 512 x float32 LE, L2-normalised, batch 1) "
                  f"only for the {MAX_EMBED} largest faces by box area. Boxes/landmarks 3 decimals, scores 5."),
        "images": images,
    }


def dump(obj: dict, path) -> int:
    # one image per line: small diffs, still valid compact JSON
    head = {k: v for k, v in obj.items() if k != "images"}
    txt = json.dumps(head, separators=(",", ":"))[:-1]
    txt += ',"images":[\n' + ",\n".join(json.dumps(im, separators=(",", ":")) for im in obj["images"]) + "\n]}\n"
    with open(path, "w") as fh:
        fh.write(txt)
    return len(txt)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(p)
    p.add_argument("--sizes", default="640,320", help="comma-separated det sizes (default %(default)s)")
    p.add_argument("--det-thresh", type=float, default=0.5)
    p.add_argument("--nms-thresh", type=float, default=0.4)
    p.add_argument("--out-dir", default=str(GOLDEN_DIR))
    args = p.parse_args()

    ref = Reference(args.models, args.threads, args.det_thresh, args.nms_thresh,
                    args.rec_color, args.rec_mean, args.rec_std, spin=not args.no_spin)
    rel_paths = golden_image_set(args.data)
    os.makedirs(args.out_dir, exist_ok=True)
    for s in (int(x) for x in args.sizes.split(",")):
        t0 = time.time()
        obj = build(ref, args.data, rel_paths, s, args)
        out = os.path.join(args.out_dir, f"parity-{s}.json")
        n = dump(obj, out)
        nf = sum(len(im["faces"]) for im in obj["images"])
        ne = sum(1 for im in obj["images"] for f in im["faces"] if "embedding" in f)
        print(f"wrote {out}: {len(rel_paths)} images, {nf} faces, {ne} embeddings, {n/1024:.0f} KiB, "
              f"{time.time()-t0:.1f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
