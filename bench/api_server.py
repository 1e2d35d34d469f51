"""A stand-in for `clipforge serve`, used only when the real command cannot reach Postgres.

It runs the very same command (cli.main serve: create_app on uvicorn, same options) with
one change: Tortoise is initialised with its global fallback context. Tortoise 1.x keeps
its connections in a contextvar; an init inside Starlette's lifespan task is invisible to
the request tasks, so every query fails there. See bench/limits.md.
Usage: python -m bench.api_server HOST PORT
"""

from __future__ import annotations

import sys
from typing import Any

from tortoise import Tortoise


def patch_tortoise_init() -> None:
    original = Tortoise.init

    async def init(*args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("_enable_global_fallback", True)
        await original(*args, **kwargs)

    Tortoise.init = init  # type: ignore[method-assign,assignment]


def main() -> None:
    host, port = sys.argv[1], sys.argv[2]
    patch_tortoise_init()
    from cli.main import app

    app(["serve", "--host", host, "--port", port])


if __name__ == "__main__":
    main()
