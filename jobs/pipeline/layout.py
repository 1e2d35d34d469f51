"""Where each stage's files live, relative to one upload (or one `clipforge process` run).

The same relative layout is used for the output folder of `clipforge process` and for the
object keys of an upload (prefixed by ``uploads/<upload_id>/``), so the two never drift and
every key is deterministic: a re-run overwrites its objects instead of adding new ones. One
difference: the folder numbers clips by rank, storage keeps them by clip id (clip_key).
"""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from core.storage.keys import upload_prefix

TRANSCRIPT_JSON = "transcript.json"
TRANSCRIPT_SRT = "transcript.srt"
TRANSCRIPT_VTT = "transcript.vtt"
AUDIO_FEATURES = "audio.json"
CLIPS_DIR = "clips"
EXPORTS_DIR = "exports"
CHUNKS_DIR = "chunks"  # audio of a long transcription's chunks, removed once merged

# Per clip, under clips/<rank>/
CLIP_VIDEO = "clip.mp4"
CLIP_THUMBNAIL = "thumb.jpg"
CLIP_SRT = "clip.srt"
CLIP_VTT = "clip.vtt"
CLIP_ASS = "clip.ass"
CLIP_CAPTIONS = "captions.json"  # written by `clipforge process` only (the api keeps rows)
CLIP_EXPORT = "export.mp4"  # written by `clipforge process` when asked (the api: exports/)

CONTENT_TYPES = {
    ".json": "application/json",
    ".srt": "application/x-subrip",
    ".vtt": "text/vtt",
    ".ass": "text/x-ssa",
    ".mp4": "video/mp4",
    ".jpg": "image/jpeg",
    ".wav": "audio/wav",
}


def chunk_audio(index: int) -> str:
    return f"{CHUNKS_DIR}/{index}.wav"


def clip_dir(rank: int) -> str:
    return f"{CLIPS_DIR}/{rank}"


def clip_file(rank: int, name: str) -> str:
    return f"{clip_dir(rank)}/{name}"


def clip_key(upload_id: uuid.UUID | str, clip_id: uuid.UUID | str, name: str) -> str:
    """The object key of one file of a clip. An upload's clips are stored by id, not rank
    (clips/<clip id>/clip.mp4): ranks change as clips are added, trimmed or removed, and
    clips made by hand live beside found ones."""
    return key(upload_id, f"{CLIPS_DIR}/{clip_id}/{name}")


def key(upload_id: uuid.UUID | str, relative: str) -> str:
    """The object key of a file of the layout for one upload."""
    return upload_prefix(upload_id) + relative


def export_key(upload_id: uuid.UUID | str, export_id: uuid.UUID | str) -> str:
    return key(upload_id, f"{EXPORTS_DIR}/{export_id}.mp4")


def content_type(name: str) -> str:
    return CONTENT_TYPES.get(PurePosixPath(name).suffix.lower(), "application/octet-stream")
