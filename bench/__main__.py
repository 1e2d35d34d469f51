"""`python -m bench all|api|events|pipeline|queue|export [--long] [--duration S] [--quick]`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from bench.runner import ORDER, RESULTS_MD, Options, load_results, merge, run, write


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("which", nargs="+", choices=["all", *ORDER])
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per API cell")
    parser.add_argument("--long", action="store_true", help="pipeline: also a 60-minute video")
    parser.add_argument("--quick", action="store_true", help="tiny counts (smoke test)")
    parser.add_argument("--no-what-if", action="store_true", help="queue: skip what-if run")
    parser.add_argument("--no-profile", action="store_true", help="api: skip the profiles")
    parser.add_argument("--no-write", action="store_true", help="print only, keep RESULTS.md")
    parser.add_argument("--json-out", help="write this run's results here (not RESULTS.md)")
    args = parser.parse_args(argv)
    names = list(ORDER) if "all" in args.which else args.which
    opts = Options(
        duration=args.duration,
        quick=args.quick,
        long=args.long,
        what_if=not args.no_what_if,
        profile=not args.no_profile and not args.quick,
    )
    results = asyncio.run(run(names, opts))
    if args.json_out:
        with open(args.json_out, "w") as out:
            json.dump(results, out, indent=2, default=str)
    elif not args.no_write:
        write(merge(load_results(), results))
        print(f"wrote {RESULTS_MD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
