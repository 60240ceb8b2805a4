"""Shared pieces of the BoostFace Python reference pipeline.

Detection and alignment are insightface 0.7.3's own code:
  * insightface.model_zoo.scrfd.SCRFD.detect  (letterbox top-left, RGB (x-127.5)/128,
    strides 8/16/32 with 2 anchors, score >= det_thresh, NMS)
  * insightface.utils.face_align.norm_crop    (skimage SimilarityTransform to the ArcFace
    112x112 template + cv2.warpAffine)
Recognition (fr_feature_dynbatch.onnx) is plain onnxruntime: crop as given by cv2 (BGR) by
default, (x - mean) / std, NCHW, L2-normalised output.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")  # albumentations (an insightface dep) phones home on import

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402

try:
    import insightface  # noqa: E402
    from insightface.model_zoo.scrfd import SCRFD  # noqa: E402
    from insightface.utils.face_align import norm_crop  # noqa: E402
except ImportError as e:  # pragma: no cover
    sys.exit(f"insightface is not importable ({e}); run: bash tools/reference/setup.sh "
             "and use tools/reference/.venv/bin/python")

REPO_ROOT = Path(__file__).resolve().parents[2]
GOLDEN_DIR = REPO_ROOT / "server" / "test" / "golden"
DETECTOR_FILE = "scrfd_2.5g_bnkps.onnx"
RECOGNIZER_FILE = "fr_feature_dynbatch.onnx"


def default_models_dir() -> str:
    env = os.environ.get("BOOSTFACE_MODELS")
    if env:
        return env
    if Path("/work/shared/models").is_dir():
        return "/work/shared/models"
    return str(REPO_ROOT.parent / "shared" / "models")


def default_data_dir() -> str:
    return os.environ.get("BOOSTFACE_SHARED_DATA") or str(REPO_ROOT.parent / "shared" / "data")


def add_common_args(p: argparse.ArgumentParser, threads_default: int = 2) -> None:
    p.add_argument("--models", default=default_models_dir(),
                   help="folder with the .onnx files (env BOOSTFACE_MODELS; default %(default)s)")
    p.add_argument("--data", default=default_data_dir(),
                   help="shared data folder (env BOOSTFACE_SHARED_DATA; default <repo>/../shared/data = %(default)s)")
    p.add_argument("--threads", type=int, default=threads_default,
                   help="onnxruntime intra_op_num_threads (inter_op is 1) and cv2.setNumThreads (default %(default)s)")
    p.add_argument("--no-spin", action="store_true",
                   help="set ORT session.intra_op.allow_spinning=0 (idle pool threads sleep instead of spinning)")
    p.add_argument("--rec-color", choices=["BGR", "RGB"], default="BGR",
                   help="colour order fed to the recognizer (default %(default)s = the crop as cv2 gives it)")
    p.add_argument("--rec-mean", type=float, default=127.5, help="recognizer input mean (default %(default)s)")
    p.add_argument("--rec-std", type=float, default=127.5, help="recognizer input std (default %(default)s)")


class TimedSession:
    """Wraps an ort.InferenceSession; accumulates wall time spent inside session.run."""

    def __init__(self, sess: ort.InferenceSession):
        self._sess = sess
        self.run_s = 0.0
        self.run_calls = 0

    def run(self, *args, **kwargs):
        t0 = time.perf_counter()
        out = self._sess.run(*args, **kwargs)
        self.run_s += time.perf_counter() - t0
        self.run_calls += 1
        return out

    def reset(self) -> None:
        self.run_s = 0.0
        self.run_calls = 0

    def __getattr__(self, name):  # get_inputs, get_outputs, set_providers, ...
        return getattr(self._sess, name)


def make_session(path: str, threads: int, spin: bool = True) -> TimedSession:
    so = ort.SessionOptions()
    if not spin:  # idle intra-op threads block instead of busy-waiting (ORT default: spin)
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.log_severity_level = 3
    return TimedSession(ort.InferenceSession(path, sess_options=so, providers=["CPUExecutionProvider"]))


class Reference:
    """insightface SCRFD + norm_crop + fr_feature recognizer."""

    def __init__(self, models_dir: str, threads: int = 2, det_thresh: float = 0.5, nms_thresh: float = 0.4,
                 rec_color: str = "BGR", rec_mean: float = 127.5, rec_std: float = 127.5, spin: bool = True):
        cv2.setNumThreads(threads)
        self.threads = threads
        det_path = os.path.join(models_dir, DETECTOR_FILE)
        rec_path = os.path.join(models_dir, RECOGNIZER_FILE)
        for pth in (det_path, rec_path):
            if not os.path.isfile(pth):
                sys.exit(f"model not found: {pth} (use --models or BOOSTFACE_MODELS)")
        self.det_sess = make_session(det_path, threads, spin)
        self.detector = SCRFD(model_file=det_path, session=self.det_sess)
        self.detector.det_thresh = det_thresh
        self.detector.nms_thresh = nms_thresh
        self.rec_sess = make_session(rec_path, threads, spin)
        self.rec_input = self.rec_sess.get_inputs()[0].name
        self.rec_color = rec_color
        self.rec_mean = rec_mean
        self.rec_std = rec_std

    @staticmethod
    def read(path: str) -> np.ndarray:
        img = cv2.imread(path, cv2.IMREAD_COLOR)  # BGR, EXIF orientation applied
        if img is None:
            raise RuntimeError(f"cv2.imread failed: {path}")
        return img

    def detect(self, img: np.ndarray, det_size: int):
        """Returns (dets[N,5] x1,y1,x2,y2,score ; kps[N,5,2]) in original-image pixels."""
        dets, kps = self.detector.detect(img, input_size=(det_size, det_size))
        if kps is None:
            kps = np.zeros((0, 5, 2), np.float32)
        return dets, kps

    @staticmethod
    def align(img: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
        return norm_crop(img, landmark=landmarks, image_size=112)

    def blob(self, crops) -> np.ndarray:
        x = np.stack(crops).astype(np.float32)  # N,112,112,3 as cv2 gives it (BGR)
        if self.rec_color == "RGB":
            x = x[..., ::-1]
        x = (x - self.rec_mean) / self.rec_std
        return np.ascontiguousarray(x.transpose(0, 3, 1, 2), dtype=np.float32)

    def embed(self, crops) -> np.ndarray:
        """crops: list of 112x112x3 uint8 -> [N,512] float32, L2-normalised."""
        out = self.rec_sess.run(None, {self.rec_input: self.blob(crops)})[0].astype(np.float32)
        norm = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norm, 1e-12)


def versions() -> dict:
    return {"insightface": insightface.__version__, "onnxruntime": ort.__version__, "opencv": cv2.__version__,
            "numpy": np.__version__}


# ----------------------------------------------------------------------------------------------
# Fixed image selection (relative to shared/data). Deterministic: plain sorted() order throughout.
#   1. faces/face_recognition_examples/**: every image (18 identity photos + 3 _scenes)    = 21
#   2. faces/bbt_cast/_scenes_unlabeled/*.jpg: all 5 group stills                          =  5
#   3. detection/dlib_pascal_voc_faces/images/*.jpg: all 4                                 =  4
#   4. detection/wider_face_val_subset/original_resolution/**.jpg: both                    =  2
#   5. detection/wider_face_val_subset/resized_416x416/<event>/: the first file (sorted by
#      name) of each event folder, events in numeric order of their "N--" prefix           = 10
#   6. LFW: the first image (sorted) of each of the first 3 identity folders (sorted) of
#      faces/lfw_original_krasserm and of faces/lfw_deepfunneled_devtrain_subset/images    =  6
# Total 48 images with the shared data as of this writing.
# ----------------------------------------------------------------------------------------------
IMG_EXT = (".jpg", ".jpeg", ".png")


def _images_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in IMG_EXT)


def _event_key(p: Path):
    head = p.name.split("--", 1)[0]
    return (int(head) if head.isdigit() else 1 << 30, p.name)


def golden_image_set(data_dir: str) -> list[str]:
    d = Path(data_dir)
    out: list[Path] = []
    out += _images_under(d / "faces" / "face_recognition_examples")
    out += sorted((d / "faces" / "bbt_cast" / "_scenes_unlabeled").glob("*.jpg"))
    out += sorted((d / "detection" / "dlib_pascal_voc_faces" / "images").glob("*.jpg"))
    out += _images_under(d / "detection" / "wider_face_val_subset" / "original_resolution")
    wider = d / "detection" / "wider_face_val_subset" / "resized_416x416"
    for ev in sorted((e for e in wider.iterdir() if e.is_dir()), key=_event_key):
        imgs = _images_under(ev)
        if imgs:
            out.append(imgs[0])
    for lfw in (d / "faces" / "lfw_original_krasserm", d / "faces" / "lfw_deepfunneled_devtrain_subset" / "images"):
        for person in sorted(p for p in lfw.iterdir() if p.is_dir())[:3]:
            imgs = _images_under(person)
            if imgs:
                out.append(imgs[0])
    if not out:
        sys.exit(f"no images found under {data_dir} (use --data or BOOSTFACE_SHARED_DATA)")
    return [p.relative_to(d).as_posix() for p in out]


def detection_image_set(data_dir: str) -> list[str]:
    d = Path(data_dir)
    return [p.relative_to(d).as_posix() for p in _images_under(d / "detection")]


def r(x, nd):
    v = round(float(x), nd)
    return 0.0 if v == 0 else v  # no "-0.0"
