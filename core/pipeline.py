"""The pipeline's vocabulary: stages, jobs, statuses, the retry table, and the one table that
ties them together. Every other spelling of these names is derived from here: the GraphQL
enums, the metrics labels, the admin API's queues, the worker's functions and the dead-letter
queue names. `check_table()` runs at import, so a job added without its stage, status or
queue stops every process at once instead of drifting.

Light on purpose (no imports beyond the standard library): the api, the worker and the
database models all read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Stage(StrEnum):
    """A step of the pipeline as clients see it in live events (PipelineStage)."""

    IMPORT = "IMPORT"
    TRANSCRIBE = "TRANSCRIBE"
    CLIP = "CLIP"
    CAPTIONS = "CAPTIONS"
    EXPORT = "EXPORT"


class EventStatus(StrEnum):
    """Where a stage stands in one event (PipelineEventStatus)."""

    STARTED = "STARTED"
    PROGRESS = "PROGRESS"
    COMPLETED = "COMPLETED"
    RETRYING = "RETRYING"
    FAILED = "FAILED"


DROPPABLE_EVENT_STATUSES = frozenset({EventStatus.PROGRESS})
"""What a slow client may lose first; never the terminal ones."""


class UploadStatus(StrEnum):
    """Where an upload is; orm.lifecycle says which moves between them are allowed."""

    AWAITING_UPLOAD = "AWAITING_UPLOAD"
    IMPORTING = "IMPORTING"
    QUEUED = "QUEUED"
    TRANSCRIBING = "TRANSCRIBING"
    CLIPPING = "CLIPPING"
    CAPTIONING = "CAPTIONING"
    READY = "READY"
    FAILED = "FAILED"


class ExportStatus(StrEnum):
    QUEUED = "QUEUED"
    RENDERING = "RENDERING"
    READY = "READY"
    FAILED = "FAILED"


class Job(StrEnum):
    """The arq function names of the worker's jobs."""

    IMPORT = "import"
    TRANSCRIBE = "transcribe"
    TRANSCRIBE_CHUNK = "transcribe_chunk"
    CLIP = "clip"
    CAPTIONS = "captions"
    EXPORT = "export"
    REGENERATE_CAPTIONS = "regenerate_captions"
    RECLIP = "reclip"
    CUT_CLIP = "cut_clip"
    CORRECT_TRANSCRIPT = "correct_transcript"
    DELIVER_WEBHOOK = "deliver_webhook"


class JobQueue(StrEnum):
    """A job of the retry table as operators name it (admin API, CLI): each has a
    dead-letter queue `<job>_dead` where its exhausted jobs wait for review."""

    IMPORT = "IMPORT"
    TRANSCRIBE = "TRANSCRIBE"
    TRANSCRIBE_CHUNK = "TRANSCRIBE_CHUNK"
    CLIP = "CLIP"
    CAPTIONS = "CAPTIONS"
    EXPORT = "EXPORT"

    @property
    def job(self) -> Job:
        return Job(self.value.lower())

    @property
    def dead_letter_queue(self) -> str:
        return f"{self.value.lower()}_dead"


class Latency(StrEnum):
    """Which worker slots a job may take. LONG work (import, transcription and its chunks,
    clipping a whole upload) never takes an INTERACTIVE slot, so an export, a reclip or a
    webhook delivery never waits behind an hour of transcription."""

    LONG = "long"
    INTERACTIVE = "interactive"

    @property
    def queue_name(self) -> str:
        """The arq queue (a Redis sorted set) of the class. LONG keeps arq's default name, so
        jobs queued before the classes existed are still served."""
        return ARQ_DEFAULT_QUEUE if self == Latency.LONG else f"{ARQ_DEFAULT_QUEUE}:{self.value}"


ARQ_DEFAULT_QUEUE = "arq:queue"  # arq.constants.default_queue_name (no arq import here)


class Subject(StrEnum):
    """What a job's first argument identifies."""

    UPLOAD = "upload"
    EXPORT = "export"
    CLIP = "clip"
    DELIVERY = "delivery"  # a webhook delivery (one event to one endpoint)


@dataclass(frozen=True)
class JobSpec:
    """One row of the pipeline table.

    `retries` is the retry table's back-off per retry in seconds (their count is the number
    of retries; CLIPFORGE_RETRY_DELAYS overrides it). A job with a `queue` fails its subject
    and is dead-lettered once its tries are spent; a job without one (a rewrite of a READY
    upload's captions) gets exactly one try and touches neither the upload nor the credits
    when it fails. `status` is the subject's status while the job runs: the reconciler and
    the admin retry read it to know which job an upload in that status needs.
    `stage` is None for a job that reports no pipeline events (a webhook delivery).

    `latency` picks the arq queue and so the worker slots (Latency). `key_args` counts the
    arguments after the subject that are part of the job's identity: a chunk of a
    transcription is `transcribe_chunk:<upload id>:<chunk index>`, and each reclip or
    transcript correction `<job>:<upload id>:<request>` (one asked for while another finishes
    is never merged into it).
    """

    job: Job
    stage: Stage | None
    subject: Subject
    timeout: int
    retries: tuple[int, ...] = ()
    queue: JobQueue | None = None
    status: UploadStatus | ExportStatus | None = None
    latency: Latency = Latency.LONG
    key_args: int = 0

    @property
    def dead_letter_queue(self) -> str | None:
        return self.queue.dead_letter_queue if self.queue else None

    @property
    def event_stage(self) -> Stage:
        """The stage its events name (check_table: every job with a queue has one)."""
        if self.stage is None:
            raise ValueError(f"{self.job} reports no pipeline events")
        return self.stage

    @property
    def queue_name(self) -> str:
        return self.latency.queue_name


PIPELINE: tuple[JobSpec, ...] = (
    JobSpec(
        Job.IMPORT,
        Stage.IMPORT,
        Subject.UPLOAD,
        timeout=35 * 60,  # CLIPFORGE_IMPORT_TIMEOUT_SECONDS (30 min) for the transfer, then probe
        retries=(30, 300),
        queue=JobQueue.IMPORT,
        status=UploadStatus.IMPORTING,
    ),
    JobSpec(
        Job.TRANSCRIBE,
        Stage.TRANSCRIBE,
        Subject.UPLOAD,
        timeout=20 * 60,
        retries=(5, 30, 300),
        queue=JobQueue.TRANSCRIBE,
        status=UploadStatus.TRANSCRIBING,
    ),
    JobSpec(
        Job.TRANSCRIBE_CHUNK,
        Stage.TRANSCRIBE,
        Subject.UPLOAD,
        timeout=20 * 60,
        retries=(5, 30, 300),
        queue=JobQueue.TRANSCRIBE_CHUNK,
        key_args=1,
    ),
    JobSpec(
        Job.CLIP,
        Stage.CLIP,
        Subject.UPLOAD,
        timeout=15 * 60,
        retries=(10, 120),
        queue=JobQueue.CLIP,
        status=UploadStatus.CLIPPING,
    ),
    JobSpec(
        Job.CAPTIONS,
        Stage.CAPTIONS,
        Subject.UPLOAD,
        timeout=5 * 60,
        retries=(20, 180),
        queue=JobQueue.CAPTIONS,
        status=UploadStatus.CAPTIONING,
    ),
    JobSpec(
        Job.EXPORT,
        Stage.EXPORT,
        Subject.EXPORT,
        timeout=10 * 60,
        retries=(30,),
        queue=JobQueue.EXPORT,
        status=ExportStatus.RENDERING,
        latency=Latency.INTERACTIVE,
    ),
    JobSpec(
        Job.REGENERATE_CAPTIONS,
        Stage.CAPTIONS,
        Subject.CLIP,
        timeout=5 * 60,
        latency=Latency.INTERACTIVE,
    ),
    # Edits of a READY upload: one try each; a failure leaves the clips as they were.
    JobSpec(
        Job.RECLIP,
        Stage.CLIP,
        Subject.UPLOAD,
        timeout=15 * 60,
        latency=Latency.INTERACTIVE,
        key_args=1,
    ),
    JobSpec(Job.CUT_CLIP, Stage.CLIP, Subject.CLIP, timeout=10 * 60, latency=Latency.INTERACTIVE),
    JobSpec(
        Job.CORRECT_TRANSCRIPT,
        Stage.TRANSCRIBE,
        Subject.UPLOAD,
        timeout=5 * 60,
        latency=Latency.INTERACTIVE,
        key_args=1,
    ),
    # One attempt per run, never dead-lettered and never failing an upload: the task records
    # the attempt and defers the next one itself (core.webhooks' schedule, jobs.schedule).
    # Each attempt is its own job: deliver_webhook:<delivery id>:<attempt>.
    JobSpec(
        Job.DELIVER_WEBHOOK,
        None,
        Subject.DELIVERY,
        timeout=60,
        latency=Latency.INTERACTIVE,
        key_args=1,
    ),
)
"""Every job, in pipeline order."""

SPECS: dict[Job, JobSpec] = {spec.job: spec for spec in PIPELINE}

UPLOAD_ORDER = (
    UploadStatus.AWAITING_UPLOAD,
    UploadStatus.IMPORTING,
    UploadStatus.QUEUED,
    UploadStatus.TRANSCRIBING,
    UploadStatus.CLIPPING,
    UploadStatus.CAPTIONING,
    UploadStatus.READY,
)
"""The happy path of an upload (FAILED can follow any working status). An upload starts
either AWAITING_UPLOAD (its bytes come from the client) or IMPORTING (from a link)."""

WORKING_UPLOAD_STATUSES = frozenset(
    {UploadStatus.QUEUED} | {s.status for s in PIPELINE if isinstance(s.status, UploadStatus)}
)
"""Statuses in which an upload has (or should have) a job: the reconciler's work list."""

WORKING_EXPORT_STATUSES = frozenset({ExportStatus.QUEUED, ExportStatus.RENDERING})


def spec(job: str | Job) -> JobSpec:
    """The table row of a job (ValueError for names the table does not know)."""
    return SPECS[Job(job)]


def find_spec(name: str) -> JobSpec | None:
    """The table row of a job name, or None for a task outside the table."""
    try:
        return SPECS[Job(name)]
    except ValueError:
        return None


def job_for_upload_status(status: UploadStatus) -> Job | None:
    """The job an upload in a working status waits for (QUEUED waits for transcribe)."""
    if status == UploadStatus.QUEUED:
        return Job.TRANSCRIBE
    for row in PIPELINE:
        if row.status == status and row.subject == Subject.UPLOAD:
            return row.job
    return None


def queue_names() -> tuple[str, ...]:
    """Every arq queue a job of the table can be in, one per latency class."""
    return tuple(latency.queue_name for latency in Latency)


def dead_letter_queues() -> dict[str, Job]:
    """Dead-letter queue name -> the job whose exhausted runs it holds."""
    return {row.dead_letter_queue: row.job for row in PIPELINE if row.dead_letter_queue}


def is_past(current: UploadStatus | str, status: UploadStatus) -> bool:
    """True when the upload has moved beyond `status` on the happy path (FAILED is past
    nothing): a re-delivered stage job uses it to see that its work is done."""
    now = UploadStatus(current)
    if now not in UPLOAD_ORDER:
        return False
    return UPLOAD_ORDER.index(now) > UPLOAD_ORDER.index(status)


def check_table() -> None:
    """Fail loudly when the vocabulary disagrees with itself."""
    if len(SPECS) != len(PIPELINE) or set(SPECS) != set(Job):
        raise RuntimeError("every Job needs exactly one row in core.pipeline.PIPELINE")
    queued = {row.queue for row in PIPELINE if row.queue is not None}
    if queued != set(JobQueue) or any(r.queue and r.queue.job != r.job for r in PIPELINE):
        raise RuntimeError("JobQueue must name exactly the jobs that have a dead-letter queue")
    if {row.stage for row in PIPELINE if row.stage is not None} != set(Stage):
        raise RuntimeError("every Stage needs a job that reports it")
    for row in PIPELINE:
        if row.queue is None and (row.retries or row.status is not None):
            raise RuntimeError(f"{row.job}: retries and a working status need a queue")
        if row.stage is None and (row.queue is not None or row.subject != Subject.DELIVERY):
            raise RuntimeError(f"{row.job}: only a webhook delivery reports no stage")
        kind = UploadStatus if row.subject == Subject.UPLOAD else ExportStatus
        if row.status is not None and not isinstance(row.status, kind):
            raise RuntimeError(f"{row.job}: its working status is not a {row.subject} status")
    for row in PIPELINE:
        if row.key_args < 0 or (row.key_args and row.status is not None):
            raise RuntimeError(f"{row.job}: a job with a working status has one per subject")
    if not set(UPLOAD_ORDER) | {UploadStatus.FAILED} == set(UploadStatus):
        raise RuntimeError("every UploadStatus is on the happy path or FAILED")


check_table()
