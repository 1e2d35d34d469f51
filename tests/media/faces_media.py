"""Videos of real faces for the reframing tests, made from photos scikit-image ships.

- `moving_face`: the astronaut's head and shoulders crossing a 16:9 frame, still, moving,
  still again; the face centre of every frame is known.
- `dialogue`: two faces side by side (the astronaut and an LFW face scaled up), each on its
  own coloured background, taking turns in an espeak-ng dialogue; the speaking face's mouth
  opens with the loudness of its speech (the mouth region is warped open), the other's is
  still. Which side speaks at each frame is known.
Frames are piped raw into FFmpeg (libx264 ultrafast), a few seconds at 640x360.
"""

from __future__ import annotations

import functools
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tests.media.fixtures_media import SAMPLE_RATE, speak, write_wav

W, H, FPS = 640, 360, 25
LEFT_BG = (40, 70, 150)  # blue-ish behind the left face
RIGHT_BG = (150, 60, 40)  # red-ish behind the right face


def _resize(img: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    from skimage.transform import resize

    out = resize(img, size, order=3, anti_aliasing=True, preserve_range=True)
    return np.clip(out, 0, 255).astype(np.uint8)


@functools.cache
def astronaut_head(size: int = 300) -> np.ndarray:
    """The astronaut's head and shoulders, size x size RGB (face about 100 px at 300)."""
    from skimage import data

    img = data.astronaut()[10:310, 70:370]
    return _resize(img, (size, size))


@functools.cache
def lfw_face(index: int = 3, size: int = 170) -> np.ndarray:
    """One LFW face (25x25 grey) scaled up and padded: an RGB tile size x size."""
    from skimage import data

    face = (data.lfw_subset()[index] * 255).astype(np.uint8)
    big = _resize(face, (int(size * 0.8), int(size * 0.8)))
    tile = np.full((size, size), int(np.median(big)), np.uint8)
    pad = (size - big.shape[0]) // 2
    tile[pad : pad + big.shape[0], pad : pad + big.shape[1]] = big
    return np.repeat(tile[:, :, None], 3, axis=2)


def _write_video(
    path: Path,
    frames: Callable[[int], np.ndarray],
    count: int,
    wav: Path | None = None,
) -> Path:
    argv = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y"]
    argv += ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{W}x{H}", "-r", str(FPS), "-i", "-"]
    if wav is not None:
        argv += ["-i", str(wav), "-c:a", "aac", "-b:a", "96k", "-shortest"]
    argv += ["-c:v", "libx264", "-preset", "ultrafast", "-g", str(FPS * 2)]
    argv += ["-pix_fmt", "yuv420p", str(path)]
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None
    for i in range(count):
        proc.stdin.write(frames(i).tobytes())
    proc.stdin.close()
    err = proc.stderr.read() if proc.stderr else b""
    assert proc.wait() == 0, err.decode()
    return path


@dataclass(frozen=True)
class MovingFace:
    video: Path
    centres: np.ndarray  # (frames, 2) face centre in normalised coordinates
    still: list[tuple[float, float]]  # time ranges where the face does not move


def moving_face_x(t: float) -> float:
    """Head-tile centre x (normalised): still at 0.25, moves to 0.72, still there."""
    if t < 1.5:
        return 0.25
    if t < 3.0:
        f = (t - 1.5) / 1.5
        return 0.25 + (0.72 - 0.25) * (3 * f * f - 2 * f * f * f)
    return 0.72


def make_moving_face(path: Path, seconds: float = 5.0) -> MovingFace:
    head = astronaut_head()
    hh, hw = head.shape[:2]
    face = face_box(head)  # where the face is inside the tile, in pixels
    face_dx, face_dy = (face[0] + face[2]) / 2 - hw / 2, (face[1] + face[3]) / 2 - hh / 2
    top = (H - hh) // 2 + 20
    count = int(seconds * FPS)
    centres = np.zeros((count, 2))
    background = np.linspace(60, 120, W, dtype=np.float32)[None, :, None]
    bg = np.broadcast_to(background, (H, W, 3)).astype(np.uint8)

    def frame(i: int) -> np.ndarray:
        cx = moving_face_x(i / FPS) * W
        left = int(round(cx - hw / 2))
        img = bg.copy()
        x0, x1 = max(0, left), min(W, left + hw)
        y1 = min(H, top + hh)
        img[top:y1, x0:x1] = head[: y1 - top, x0 - left : x1 - left]
        centres[i] = ((cx + face_dx) / W, (top + hh / 2 + face_dy) / H)
        return img

    _write_video(path, frame, count)
    return MovingFace(path, centres, [(0.0, 1.5), (3.0, seconds)])


# ---------------------------------------------------------------- mouth warp


def mouth_box(points: np.ndarray) -> tuple[int, int, int, int, int]:
    """(left, right, lip line y, bottom, half width) of the mouth from 68 landmarks."""
    mouth = points[48:68]
    left, right = int(mouth[:, 0].min()) - 2, int(mouth[:, 0].max()) + 2
    lip = int(round(points[[62, 66], 1].mean()))
    bottom = int(mouth[:, 1].max()) + int(0.6 * (right - left))
    return left, right, lip, bottom, (right - left) // 2


def open_mouth(img: np.ndarray, box: tuple[int, int, int, int, int], amount: float) -> np.ndarray:
    """Warp the mouth open by `amount` pixels at its middle (less towards the corners): the
    lower lip and chin slide down and the gap shows a dark mouth inside."""
    if amount < 0.5:
        return img
    left, right, lip, bottom, half = box
    out = img.copy()
    cx = (left + right) / 2
    for x in range(left, right + 1):
        f = 1 - ((x - cx) / max(half, 1)) ** 2
        s = int(round(amount * max(0.0, f) ** 0.5))
        if s <= 0:
            continue
        column = img[lip:bottom, x]
        out[lip : lip + s, x] = (45, 15, 20)
        out[lip + s : bottom, x] = column[: bottom - lip - s]
    return out


def face_box(img: np.ndarray) -> tuple[int, int, int, int]:
    """dlib's box (left, top, right, bottom) of the one face in an RGB image."""
    import dlib

    grey = np.ascontiguousarray(img.mean(axis=2).astype(np.uint8))
    r = dlib.get_frontal_face_detector()(grey, 1)[0]
    return r.left(), r.top(), r.right() + 1, r.bottom() + 1


def landmarks(img: np.ndarray) -> np.ndarray:
    import dlib

    from jobs.media.reframe.dlib_faces import LANDMARKS_68, model_file

    grey = np.ascontiguousarray(img.mean(axis=2).astype(np.uint8))
    rect = dlib.get_frontal_face_detector()(grey, 1)[0]
    path = model_file(LANDMARKS_68)
    assert path is not None
    shape = dlib.shape_predictor(str(path))(grey, rect)
    return np.array([(shape.part(i).x, shape.part(i).y) for i in range(68)], float)


# ---------------------------------------------------------------- dialogue


@dataclass(frozen=True)
class Dialogue:
    video: Path
    turns: list[tuple[float, float, int]]  # (start, end, side) with side 0 = left, 1 = right
    duration: float


def _envelope_per_frame(samples: np.ndarray, count: int) -> np.ndarray:
    per = SAMPLE_RATE / FPS
    out = np.zeros(count)
    for i in range(count):
        block = samples[int(i * per) : int((i + 1) * per)].astype(np.float64)
        out[i] = np.sqrt(np.mean(block * block)) if block.size else 0.0
    return out / max(float(out.max()), 1.0)


Line = tuple[int, str] | tuple[int, str, float]


def make_dialogue(
    directory: Path, lines: Sequence[Line], *, gap: float = 0.4, lead: float = 0.5
) -> Dialogue:
    """Two faces taking turns: lines are (side, text) or (side, text, silence after it);
    each is spoken by espeak-ng."""
    directory.mkdir(parents=True, exist_ok=True)
    voices = {0: "en-us", 1: "en-us+m3"}
    parts = [np.zeros(int(lead * SAMPLE_RATE), np.int16)]
    turns: list[tuple[float, float, int]] = []
    pos = len(parts[0])
    for i, line in enumerate(lines):
        side, text = line[0], line[1]
        after = line[2] if len(line) == 3 else gap
        speech = speak(text, directory / f"line_{i}.wav", voice=voices[side])
        turns.append((pos / SAMPLE_RATE, (pos + len(speech)) / SAMPLE_RATE, side))
        parts += [speech, np.zeros(int(after * SAMPLE_RATE), np.int16)]
        pos += len(speech) + int(after * SAMPLE_RATE)
    samples = np.concatenate(parts)
    wav = directory / "dialogue.wav"
    write_wav(wav, samples)
    duration = len(samples) / SAMPLE_RATE
    count = int(duration * FPS)
    level = _envelope_per_frame(samples, count)

    tiles = [astronaut_head(260), lfw_face(3, 200)]
    boxes = [mouth_box(landmarks(tile)) for tile in tiles]
    base = np.zeros((H, W, 3), np.uint8)
    base[:, : W // 2] = LEFT_BG
    base[:, W // 2 :] = RIGHT_BG
    places = []
    for side, tile in enumerate(tiles):
        th, tw = tile.shape[:2]
        cx = W // 4 if side == 0 else 3 * W // 4
        places.append((cx - tw // 2, (H - th) // 2))

    def speaking(t: float) -> int | None:
        return next((s for a, b, s in turns if a <= t < b), None)

    def frame(i: int) -> np.ndarray:
        img = base.copy()
        who = speaking(i / FPS)
        for side, tile in enumerate(tiles):
            amount = 0.0
            if who == side:
                amount = level[i] * 0.35 * (boxes[side][1] - boxes[side][0])
            shown = open_mouth(tile, boxes[side], amount)
            x, y = places[side]
            img[y : y + tile.shape[0], x : x + tile.shape[1]] = shown
        return img

    video = _write_video(directory / "dialogue.mp4", frame, count, wav)
    return Dialogue(video, turns, duration)


__all__ = ["Dialogue", "Line", "MovingFace", "make_dialogue", "make_moving_face"]
