"""`clipforge keys ...` (the JWT key ring) and `clipforge users ...` (account administration)."""

from __future__ import annotations

import asyncio

import typer

keys_app = typer.Typer(help="The JWT signing key ring (rotation).", no_args_is_help=True)
users_app = typer.Typer(help="User administration.", no_args_is_help=True)


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Add a new signing key; drop keys too old to verify anything."""
    from resolvers.auth.keyring import keys_path, rotate

    key = rotate()
    typer.echo(f"new signing key {key.kid} in {keys_path()}")


@keys_app.command("list")
def keys_list() -> None:
    """Each key's id, age and status (signing, verifying, retired). Never prints secrets."""
    from resolvers.auth.keyring import load_ring, utcnow

    ring, now = load_ring(), utcnow()
    if not ring.keys:
        typer.echo("no keys yet (the api creates one on first use, or run `keys rotate`)")
        return
    for key in sorted(ring.keys, key=lambda k: k.created_at):
        age = (now - key.created_at).days
        typer.echo(f"{key.kid}\t{key.created_at:%Y-%m-%d}\t{age}d\t{ring.status(key, now)}")


@keys_app.command("retire")
def keys_retire(kid: str) -> None:
    """Stop a key verifying now (a leaked key): every token it signed dies."""
    from resolvers.auth.keyring import retire

    if not retire(kid):
        typer.echo(f"no key {kid}", err=True)
        raise typer.Exit(1)
    typer.echo(f"retired {kid}")
    if _announce_retired(kid):
        typer.echo("open sockets signed by it were told to close")


def _announce_retired(kid: str) -> bool:
    """With a configured Redis, every api closes the key's sockets now (else each api does
    within a second of reading the ring file: socket_sessions' watcher)."""
    from concurrent.futures import ThreadPoolExecutor

    from redis.asyncio import Redis

    from core.config import get_settings
    from core.revocations import publish

    url = get_settings().redis_url
    if not url:
        return False

    async def run() -> bool:
        client = Redis.from_url(url, socket_connect_timeout=5)
        try:
            async with asyncio.timeout(5):
                return await publish("kid", kid, client=client)
        except TimeoutError:
            return False
        finally:
            await client.aclose()

    with ThreadPoolExecutor(1) as pool:  # a loop of its own, whoever calls
        return pool.submit(asyncio.run, run()).result()


@users_app.command("make-admin")
def make_admin(email: str) -> None:
    """Give an existing user the admin role."""
    from cli.main import _embedded
    from core.errors import DomainError
    from orm.database import close_db, init_db
    from resolvers.accounts import make_admin as promote

    async def run() -> str:
        await init_db()
        try:
            return (await promote(email)).email
        finally:
            await close_db()

    _embedded()
    try:
        promoted = asyncio.run(run())
    except DomainError as exc:
        typer.echo(exc.message, err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{promoted} is an admin")
