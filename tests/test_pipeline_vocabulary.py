"""The pipeline's vocabulary (core.pipeline) is the one spelling: everything else agrees."""

from __future__ import annotations

import dataclasses

import pytest

from core import pipeline
from core.pipeline import (
    PIPELINE,
    Job,
    JobQueue,
    JobSpec,
    Stage,
    Subject,
    UploadStatus,
    job_for_upload_status,
)


def test_the_table_checks_itself() -> None:
    pipeline.check_table()


@pytest.mark.parametrize(
    "change, complaint",
    [
        (lambda rows: rows[:-1], "every Job needs exactly one row"),
        (
            lambda rows: tuple(
                dataclasses.replace(r, queue=None) if r.job == Job.CLIP else r for r in rows
            ),
            "JobQueue must name exactly",
        ),
        (
            lambda rows: tuple(
                dataclasses.replace(r, retries=(5,)) if r.job == Job.REGENERATE_CAPTIONS else r
                for r in rows
            ),
            "need a queue",
        ),
        (
            lambda rows: tuple(
                dataclasses.replace(r, stage=Stage.CLIP) if r.job == Job.EXPORT else r for r in rows
            ),
            "every Stage needs a job",
        ),
        (
            lambda rows: tuple(
                dataclasses.replace(r, status=UploadStatus.CLIPPING) if r.job == Job.EXPORT else r
                for r in rows
            ),
            "not a export status",
        ),
        (
            lambda rows: tuple(
                dataclasses.replace(r, key_args=1) if r.job == Job.CLIP else r for r in rows
            ),
            "one per subject",
        ),
        (
            lambda rows: tuple(
                dataclasses.replace(r, stage=None) if r.job == Job.REGENERATE_CAPTIONS else r
                for r in rows
            ),
            "only a webhook delivery reports no stage",
        ),
    ],
)
def test_a_job_added_in_one_place_only_is_refused(
    monkeypatch: pytest.MonkeyPatch, change: object, complaint: str
) -> None:
    rows: tuple[JobSpec, ...] = change(PIPELINE)  # type: ignore[operator]
    monkeypatch.setattr(pipeline, "PIPELINE", rows)
    monkeypatch.setattr(pipeline, "SPECS", {r.job: r for r in rows})
    with pytest.raises(RuntimeError, match=complaint):
        pipeline.check_table()


def test_graphql_enums_are_the_vocabulary() -> None:
    from graphql_api.schema import schema

    def values(name: str) -> set[str]:
        enum = schema._schema.type_map[name]
        return set(enum.values)  # type: ignore[attr-defined]

    assert values("PipelineStage") == {s.value for s in Stage}
    assert values("PipelineEventStatus") == {s.value for s in pipeline.EventStatus}
    assert values("UploadStatus") == {s.value for s in UploadStatus}
    assert values("ExportStatus") == {s.value for s in pipeline.ExportStatus}
    assert values("JobQueue") == {q.value for q in JobQueue}


def test_worker_functions_are_the_jobs_with_their_tries() -> None:
    from jobs.worker import functions

    by_name = {f.name: f for f in functions()}
    assert set(by_name) == {str(job) for job in Job}
    for row in PIPELINE:
        expected = len(row.retries) + 1 + 3 if row.queue else 1
        assert by_name[row.job].max_tries == expected, row.job


def test_dead_letter_queues_and_subjects_derive_from_the_table() -> None:
    assert pipeline.dead_letter_queues() == {
        "import_dead": Job.IMPORT,
        "transcribe_dead": Job.TRANSCRIBE,
        "transcribe_chunk_dead": Job.TRANSCRIBE_CHUNK,
        "clip_dead": Job.CLIP,
        "captions_dead": Job.CAPTIONS,
        "export_dead": Job.EXPORT,
    }
    assert {r.job for r in PIPELINE if r.subject == Subject.UPLOAD} == {
        Job.IMPORT,
        Job.TRANSCRIBE,
        Job.TRANSCRIBE_CHUNK,
        Job.CLIP,
        Job.CAPTIONS,
        Job.RECLIP,
        Job.CORRECT_TRANSCRIPT,
    }
    # Edits of a READY upload get one try and never fail the upload (no dead-letter queue).
    for job in (Job.RECLIP, Job.CUT_CLIP, Job.CORRECT_TRANSCRIPT):
        assert pipeline.spec(job).queue is None and pipeline.spec(job).status is None


def test_key_args_make_one_job_per_request() -> None:
    """A reclip or correction asked for while another finishes is a job of its own; a cut of
    one clip is one job while it is queued or running."""
    from jobs.schedule import job_id

    assert job_id(Job.CORRECT_TRANSCRIPT, "u1", "r1") == "correct_transcript:u1:r1"
    assert job_id(Job.RECLIP, "u1", "r2") == "reclip:u1:r2"
    assert pipeline.spec(Job.CORRECT_TRANSCRIPT).key_args == 1
    assert pipeline.spec(Job.RECLIP).key_args == 1
    assert pipeline.spec(Job.CUT_CLIP).key_args == 0


def test_webhook_deliveries_stay_out_of_the_retry_and_dead_letter_table() -> None:
    """A delivery retries on its own schedule and never fails an upload."""
    row = pipeline.spec(Job.DELIVER_WEBHOOK)
    assert (row.queue, row.retries, row.status, row.stage) == (None, (), None, None)
    assert row.subject == Subject.DELIVERY
    with pytest.raises(ValueError):
        _ = row.event_stage
    assert pipeline.spec(Job.IMPORT).retries == (30, 300)
    assert pipeline.spec(Job.IMPORT).dead_letter_queue == "import_dead"
    assert job_for_upload_status(UploadStatus.IMPORTING) == Job.IMPORT


def test_every_working_upload_status_names_its_job() -> None:
    for status in pipeline.WORKING_UPLOAD_STATUSES:
        assert job_for_upload_status(status) is not None, status
    assert job_for_upload_status(UploadStatus.READY) is None
    assert job_for_upload_status(UploadStatus.QUEUED) == Job.TRANSCRIBE


def test_metrics_label_every_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    """The queue gauges are labelled from JobQueue, so a new queue shows up by itself."""
    import asyncio

    from core.metrics import QUEUE_DEPTH
    from graphql_api import metrics
    from resolvers import admin

    async def stats() -> list[admin.QueueStat]:
        return [
            admin.QueueStat(queue=q, queued=i, in_progress=0, dead_letters=0)
            for i, q in enumerate(JobQueue)
        ]

    monkeypatch.setattr(admin, "collect_queue_stats", stats)
    asyncio.run(metrics.refresh_queue_gauges())
    for i, queue in enumerate(JobQueue):
        assert QUEUE_DEPTH.labels(queue.value.lower())._value.get() == i


def test_latency_classes_pick_the_queue() -> None:
    """Long work never shares a queue with interactive work; LONG keeps arq's default."""
    from arq.constants import default_queue_name

    from core.pipeline import Latency, queue_names

    assert Latency.LONG.queue_name == default_queue_name
    assert len(set(queue_names())) == len(Latency)
    by_job = {r.job: r.latency for r in PIPELINE}
    assert {j for j, lat in by_job.items() if lat == Latency.INTERACTIVE} == {
        Job.EXPORT,
        Job.REGENERATE_CAPTIONS,
        Job.RECLIP,
        Job.CUT_CLIP,
        Job.CORRECT_TRANSCRIPT,
        Job.DELIVER_WEBHOOK,
    }
    assert by_job[Job.TRANSCRIBE] == by_job[Job.TRANSCRIBE_CHUNK] == Latency.LONG
    assert by_job[Job.IMPORT] == Latency.LONG


def test_job_ids_carry_their_key_arguments() -> None:
    from jobs.schedule import job_id, subject_of_job_id

    assert job_id(Job.TRANSCRIBE_CHUNK, "u1", 3) == "transcribe_chunk:u1:3"
    assert job_id(Job.CLIP, "u1") == "clip:u1"
    assert subject_of_job_id("transcribe_chunk:u1:3") == "u1"
    assert job_id(Job.DELIVER_WEBHOOK, "d1", 2) == "deliver_webhook:d1:2"  # one job per attempt
    assert subject_of_job_id("deliver_webhook:d1:2") == "d1"
    assert subject_of_job_id("cron:cleanup") == "cleanup" and subject_of_job_id("x") is None
