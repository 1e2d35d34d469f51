"""Faces with dlib: the HOG frontal detector (built into dlib, no file) and, when the
`face-recognition-models` package is installed, the 68-point landmarks for mouth opening.

Measured on 2 cores (bench/face_detectors.py): HOG without upsampling found the astronaut
in 15 ms at 512x512 and 95 of 100 LFW faces scaled to 100 px in 2 ms each; dlib's CNN
detector found 100 of 100 but took 150 ms at 200x200 and 1.3 s at 512x512, far too slow
for 5 samples per second of video on a CPU. HOG needs faces of about 80 px or more, which
a talking head at 360p has; `upsample=1` halves that size at four times the cost.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from typing import Any

import numpy as np

from jobs.media.reframe.detector import Face
from jobs.media.reframe.geometry import Box

MODELS_PACKAGE = "face_recognition_models"
LANDMARKS_68 = "shape_predictor_68_face_landmarks.dat"
CNN_DETECTOR = "mmod_human_face_detector.dat"
# inner-lip landmark pairs (upper, lower) of the 68-point model; 27 and 8: nose bridge, chin
INNER_LIPS = ((61, 67), (62, 66), (63, 65))
NOSE_BRIDGE, CHIN = 27, 8

_lock = threading.Lock()
_predictors: dict[str, Any] = {}


def model_file(name: str) -> Path | None:
    """A model file shipped by face-recognition-models, found without importing the package
    (its __init__ imports pkg_resources); None when the package is not installed."""
    spec = importlib.util.find_spec(MODELS_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / "models" / name
        if path.is_file():
            return path
    return None


def _predictor(path: Path) -> Any:
    """Load a landmark model once per process (100 MB, about a second)."""
    import dlib

    with _lock:
        key = str(path)
        if key not in _predictors:
            _predictors[key] = dlib.shape_predictor(key)
        return _predictors[key]


def mouth_opening(points: np.ndarray) -> float:
    """Inner-lip gap over the nose-bridge-to-chin distance (68 x 2 landmark array)."""
    gap = float(np.mean([np.linalg.norm(points[a] - points[b]) for a, b in INNER_LIPS]))
    face = float(np.linalg.norm(points[NOSE_BRIDGE] - points[CHIN]))
    return gap / face if face > 0 else 0.0


def mouth_darkness(frame: np.ndarray, left: int, top: int, right: int, bottom: int) -> float:
    """Without landmarks: how much darker the mouth area is than the face (an open mouth
    shows the dark inside). The lighter cue, used when the landmark model is absent."""
    h, w = bottom - top, right - left
    face = frame[max(0, top) : max(0, bottom), max(0, left) : max(0, right)]
    mouth = frame[
        max(0, top + int(0.68 * h)) : max(0, top + int(0.95 * h)),
        max(0, left + int(0.3 * w)) : max(0, left + int(0.7 * w)),
    ]
    if face.size == 0 or mouth.size == 0:
        return 0.0
    return float(face.mean() - mouth.mean()) / 255.0


class DlibFaceDetector:
    """dlib's HOG detector plus, when available, 68-point landmarks for the mouth cue."""

    def __init__(self, *, upsample: int = 0, landmarks: bool = True, cnn: bool = False):
        import dlib

        self.upsample = upsample
        self._local = threading.local()  # one HOG detector per thread: its scan keeps state
        self._cnn = None
        if cnn:
            path = model_file(CNN_DETECTOR)
            if path is None:
                raise RuntimeError(f"{MODELS_PACKAGE} is not installed (CNN face detector)")
            self._cnn = dlib.cnn_face_detection_model_v1(str(path))
        path68 = model_file(LANDMARKS_68) if landmarks else None
        self._shape = _predictor(path68) if path68 is not None else None
        self.parallel = not cnn  # HOG per thread; the CNN model is one shared net
        self.name = ("dlib-cnn" if cnn else "dlib-hog") + ("+68" if self._shape else "")

    @property
    def has_landmarks(self) -> bool:
        return self._shape is not None

    def _thread_hog(self) -> Any:
        """The HOG detector of the calling thread (dlib releases the GIL while it scans, so
        frames can be detected on several threads at once; the landmark model is shared)."""
        import dlib

        hog = getattr(self._local, "hog", None)
        if hog is None:
            hog = self._local.hog = dlib.get_frontal_face_detector()
        return hog

    def _rects(self, frame: np.ndarray) -> list[tuple[Any, float]]:
        if self._cnn is not None:
            return [(d.rect, float(d.confidence)) for d in self._cnn(frame, self.upsample)]
        rects, scores, _ = self._thread_hog().run(frame, self.upsample, 0.0)
        return list(zip(rects, (float(s) for s in scores), strict=True))

    def detect(self, frame: np.ndarray) -> list[Face]:
        if frame.ndim != 2 or frame.dtype != np.uint8:
            raise ValueError("expected a greyscale uint8 frame")
        frame = np.ascontiguousarray(frame)
        h, w = frame.shape
        faces: list[Face] = []
        for rect, score in self._rects(frame):
            left, top, right, bottom = rect.left(), rect.top(), rect.right(), rect.bottom()
            if self._shape is not None:
                shape = self._shape(frame, rect)
                pts = np.array([(shape.part(i).x, shape.part(i).y) for i in range(68)], float)
                mouth = mouth_opening(pts)
            else:
                mouth = mouth_darkness(frame, left, top, right, bottom)
            box = Box(left / w, top / h, (right + 1) / w, (bottom + 1) / h)
            faces.append(Face(box=box, mouth=mouth, score=score))
        return faces


def default_detector() -> DlibFaceDetector:
    """The detector exports use: HOG, landmarks when the model package is installed."""
    return DlibFaceDetector(upsample=0, landmarks=True)


__all__ = ["DlibFaceDetector", "default_detector", "model_file", "mouth_darkness", "mouth_opening"]
