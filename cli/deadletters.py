"""`clipforge deadletters ...`: list, retry and purge dead-lettered jobs from a shell."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import typer

from core.pipeline import JobQueue

app = typer.Typer(help="Jobs that exhausted their retries (see README, Operations).")
T = TypeVar("T")


def _queue(name: str | None) -> JobQueue | None:
    if not name:
        return None
    try:
        return JobQueue(name.upper())
    except ValueError:
        raise typer.BadParameter("one of: transcribe, clip, captions, export") from None


def _run(work: Callable[[], Awaitable[T]]) -> T:
    """Connect (embedded servers when no URLs are set), run, disconnect."""
    from cli.main import _embedded
    from core.redis import close_redis
    from jobs.schedule import close_pools
    from orm.database import close_db, init_db

    _embedded()

    async def main() -> T:
        await init_db()
        try:
            return await work()
        finally:
            await close_pools()
            await close_redis()
            await close_db()

    return asyncio.run(main())


@app.command("list")
def list_(queue: str = typer.Option(None, help="transcribe, clip, captions or export.")) -> None:
    """Show dead letters, newest first."""
    from resolvers.admin import SYSTEM, dead_letters_page

    page = _run(lambda: dead_letters_page(SYSTEM, 100, None, _queue(queue)))
    for row in page.rows[: page.limit]:
        typer.echo(
            f"{row.id}  {row.queue:<16} {row.failed_at:%Y-%m-%d %H:%M}  "
            f"upload={row.upload_id}  tries={row.attempts}  {row.error[:120]}"
        )
    typer.echo(f"{min(len(page.rows), page.limit)} shown")


@app.command()
def retry(dead_letter_id: str) -> None:
    """Re-enqueue one dead-lettered job with its arguments and remove the entry."""
    from resolvers.admin import SYSTEM, retry_dead_letter

    row = _run(lambda: retry_dead_letter(SYSTEM, uuid.UUID(dead_letter_id)))
    typer.echo(f"re-enqueued {row.job_name} for upload {row.upload_id}")


@app.command()
def purge(
    queue: str = typer.Option(None, help="Only this queue: transcribe, clip, captions, export."),
    older_than_days: float = typer.Option(None, help="Only entries older than this."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Delete dead letters without retrying them (their uploads stay FAILED, refunded)."""
    from resolvers.admin import SYSTEM, purge_dead_letters

    before = (
        datetime.now(UTC) - timedelta(days=older_than_days) if older_than_days is not None else None
    )
    scope = f"queue {queue}" if queue else "all queues"
    if not yes:
        typer.confirm(f"Delete dead letters of {scope}?", abort=True)
    purged = _run(lambda: purge_dead_letters(SYSTEM, _queue(queue), before))
    typer.echo(f"purged {purged} dead letters")
