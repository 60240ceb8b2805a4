#!/usr/bin/env python3
"""Writes server/test/golden/reference-detections-{640,320}.json.

Runs the reference detector (insightface SCRFD.detect, scrfd_2.5g_bnkps.onnx) with score
threshold 0.3 and NMS 0.4 on every image under <data>/detection (WIDER resized_416x416 and
original_resolution, dlib PASCAL VOC images), so that recall / false-positive curves can be cut
at any threshold >= 0.3.  Format:
  {"detSize":640,"detThreshold":0.3,"nmsThreshold":0.4,
   "images":{"<path relative to shared/data>":[[x1,y1,x2,y2,score],...]}}
Boxes in original-image pixels rounded to 3 decimals; scores to 5 decimals (so a cut at e.g.
0.5 is not blurred by rounding).  Detections in detector order (score descending).

  tools/reference/.venv/bin/python tools/reference/dump_detections.py [--sizes 640,320]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

from common import GOLDEN_DIR, Reference, add_common_args, detection_image_set, r, versions


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(p)
    p.add_argument("--sizes", default="640,320")
    p.add_argument("--det-thresh", type=float, default=0.3)
    p.add_argument("--nms-thresh", type=float, default=0.4)
    p.add_argument("--out-dir", default=str(GOLDEN_DIR))
    args = p.parse_args()

    ref = Reference(args.models, args.threads, args.det_thresh, args.nms_thresh,
                    args.rec_color, args.rec_mean, args.rec_std, spin=not args.no_spin)
    rel_paths = detection_image_set(args.data)
    if not rel_paths:
        sys.exit(f"no images under {args.data}/detection")
    os.makedirs(args.out_dir, exist_ok=True)
    v = versions()
    for s in (int(x) for x in args.sizes.split(",")):
        t0 = time.time()
        lines = []
        n = 0
        for rel in rel_paths:
            img = ref.read(os.path.join(args.data, rel))
            dets, _ = ref.detect(img, s)
            boxes = [[r(d[0], 3), r(d[1], 3), r(d[2], 3), r(d[3], 3), r(d[4], 5)] for d in dets]
            n += len(boxes)
            lines.append(json.dumps(rel) + ":" + json.dumps(boxes, separators=(",", ":")))
        head = {"generator": "tools/reference/dump_detections.py", "insightface": v["insightface"],
                "onnxruntime": v["onnxruntime"], "opencv": v["opencv"], "detector": "scrfd_2.5g_bnkps.onnx",
                "detSize": s, "detThreshold": args.det_thresh, "nmsThreshold": args.nms_thresh}
        txt = json.dumps(head, separators=(",", ":"))[:-1] + ',"images":{\n' + ",\n".join(lines) + "\n}}\n"
        out = os.path.join(args.out_dir, f"reference-detections-{s}.json")
        with open(out, "w") as fh:
            fh.write(txt)
        json.loads(txt)  # self-check
        print(f"wrote {out}: {len(rel_paths)} images, {n} detections >= {args.det_thresh}, "
              f"{len(txt)/1024:.0f} KiB, {time.time()-t0:.1f}s", file=sys.stderr)
        if len(txt) > 1024 * 1024:
            print(f"WARNING: {out} is larger than 1 MiB", file=sys.stderr)


if __name__ == "__main__":
    main()
