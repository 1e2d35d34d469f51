"""`clipforge keys rotate|list|retire` and `clipforge users make-admin`."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from cli.main import app
from orm.models import User
from resolvers.auth.keyring import load_ring
from resolvers.auth.tokens import decode_access_token, issue_access_token

ROOT = Path(__file__).resolve().parents[2]


async def test_keys_rotate_list_and_retire(
    tmp_path: Path, override_settings: Any, make_user: Any
) -> None:
    user, _ = await make_user()
    override_settings(jwt_keys_file=tmp_path / "ring.json")
    runner = CliRunner()

    first = runner.invoke(app, ["keys", "rotate"])
    assert first.exit_code == 0, first.output
    old_token, _ = issue_access_token(user)
    assert runner.invoke(app, ["keys", "rotate"]).exit_code == 0
    new_token, _ = issue_access_token(user)

    ring = load_ring()
    assert len(ring.keys) == 2
    old_kid, new_kid = (k.kid for k in sorted(ring.keys, key=lambda k: k.created_at))
    listing = runner.invoke(app, ["keys", "list"])
    lines = dict(line.split("\t")[0::3] for line in listing.output.strip().splitlines())
    assert lines == {old_kid: "verifying", new_kid: "signing"}
    assert all(k.secret.hex() not in listing.output for k in ring.keys)
    assert decode_access_token(old_token) is not None  # rotation keeps it valid

    retired = runner.invoke(app, ["keys", "retire", old_kid])
    assert retired.exit_code == 0
    assert decode_access_token(old_token) is None
    assert decode_access_token(new_token) is not None
    assert runner.invoke(app, ["keys", "retire", "nope"]).exit_code == 1
    # The next rotation drops the retired key from the file.
    runner.invoke(app, ["keys", "rotate"])
    assert old_kid not in {k.kid for k in load_ring().keys}


async def test_users_make_admin(settings: Any, make_user: Any) -> None:
    user, _ = await make_user()
    env = {
        **os.environ,
        "CLIPFORGE_DATABASE_URL": settings.database_url,
        "CLIPFORGE_REDIS_URL": settings.redis_url,
        "CLIPFORGE_VAR_DIR": str(settings.var_dir),
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "cli.main", "users", "make-admin", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    done = run(f"  {user.email.upper()} ")
    assert done.returncode == 0, done.stderr
    assert (await User.get(id=user.id)).is_admin is True
    missing = run(f"nobody-{uuid.uuid4().hex[:6]}@example.com")
    assert missing.returncode == 1 and "No user with that email" in missing.stderr
