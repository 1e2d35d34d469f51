"""Map the failures of media tools, storage and the LLM onto the stage error classes.

Transient (retried by the worker's policy): storage and network trouble, tool timeouts, an
unavailable or misbehaving LLM. Permanent (fails at once): media the tools cannot read, a
missing original, a broken configuration.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from redis.exceptions import RedisError

from core.ffmpeg_exec import MediaTimeout, MediaToolError
from core.probe import InvalidMedia, ProbeError
from core.storage import ObjectMissing, StorageError
from jobs.errors import PermanentError, StageError, TransientError


@contextmanager
def classified(what: str) -> Iterator[None]:
    """Re-raise known failures inside the block as TransientError or PermanentError."""
    from jobs.media.highlights.llm_client import LLMError, LLMInvalidResponse, LLMUnavailable
    from jobs.media.whisper_model import ModelUnavailable

    try:
        yield
    except StageError:
        raise
    except ObjectMissing as exc:
        raise PermanentError(f"A file needed to {what} is missing.", detail=str(exc)) from exc
    except StorageError as exc:
        raise TransientError(
            f"Storage was unavailable while trying to {what}.", detail=str(exc)
        ) from exc
    except MediaTimeout as exc:
        raise TransientError(
            f"Media processing timed out while trying to {what}.", detail=str(exc)
        ) from exc
    except (InvalidMedia, MediaToolError) as exc:
        raise PermanentError(
            f"The video could not be processed ({what}).", detail=str(exc)
        ) from exc
    except ProbeError as exc:
        raise TransientError(
            f"The video could not be inspected ({what}).", detail=str(exc)
        ) from exc
    except (LLMUnavailable, LLMInvalidResponse) as exc:
        raise TransientError(
            f"The AI service was unavailable while trying to {what}.", detail=str(exc)
        ) from exc
    except LLMError as exc:
        raise PermanentError(f"The AI service refused to {what}.", detail=str(exc)) from exc
    except ModelUnavailable as exc:
        raise PermanentError("The speech model is not available.", detail=str(exc)) from exc
    except RedisError as exc:
        raise TransientError("The job queue was unavailable.", detail=str(exc)) from exc
    except TimeoutError as exc:
        raise TransientError(f"Timed out while trying to {what}.", detail=str(exc)) from exc
