"""A command that uses a folder's embedded Redis until told to leave (or interrupted).

`python -m tests.ops.folder_user VAR_DIR`: prints one JSON line with the Redis URL and what it
started, then waits for a line on stdin; at exit (that line, Ctrl-C) it leaves the folder's
servers the way the clipforge commands do and prints what it stopped.
"""

from __future__ import annotations

import atexit
import json
import sys
from pathlib import Path

from core.folder_servers import leave_servers, use_servers


def main(var_dir: Path) -> None:
    servers = use_servers(var_dir, postgres=False, redis=True)

    def leave() -> None:
        stopped, others = leave_servers(var_dir)
        print(json.dumps({"stopped": stopped, "others": others}), flush=True)

    atexit.register(leave)
    print(json.dumps({"redis_url": servers.redis_url, "started": servers.started}), flush=True)
    sys.stdin.readline()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
