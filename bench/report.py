"""RESULTS.md, rendered from results.json (re-rendered whenever any benchmark re-runs)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from bench.stats import ratio
from bench.targets import all_checks

LIMITS = Path(__file__).resolve().parent / "limits.md"


def f(x: Any, digits: int = 1, unit: str = "") -> str:
    if isinstance(x, (int, float)) and not (isinstance(x, float) and math.isnan(x)):
        return f"{x:,.{digits}f}{unit}"
    return "-"


QUERY_ORDER = ("Me", "Uploads", "UploadDetail")


def ordered(d: dict[str, Any]) -> list[tuple[str, Any]]:
    """Me, Uploads, UploadDetail first (results.json stores keys sorted)."""
    rank = {n: i for i, n in enumerate(QUERY_ORDER)}
    return sorted(d.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0]))


def top(d: dict[str, float], n: int) -> list[tuple[str, float]]:
    return sorted(d.items(), key=lambda kv: -kv[1])[:n]


def pcts(r: dict[str, Any]) -> str:
    lb = r.get("lower_bound", [])
    return " / ".join((">= " if k in lb else "") + f(r.get(k)) for k in ("p50", "p95", "p99"))


def state(res: dict[str, Any]) -> str:
    """One line on how busy the machine was when this benchmark ran."""
    ms = res.get("machine_state", {})
    b = ms.get("before", {})
    if not b:
        return ""
    return (
        f"Machine at start: load average {', '.join(str(x) for x in b.get('load_avg', []))}; "
        f"Redis PING p50 {f(b.get('redis_ping_ms', {}).get('p50'), 2)} ms; Postgres SELECT 1 p50 "
        f"{f(b.get('postgres_select1_ms', {}).get('p50'), 2)} ms; 1M-iteration Python loop "
        f"{f(b.get('python_loop_1m_ms'), 0)} ms. Load average after: "
        f"{', '.join(str(x) for x in ms.get('load_avg_after', []))}."
    )


def table(head: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def unavailable(name: str, res: dict[str, Any] | None) -> list[str] | None:
    if res is None:
        return [f"Not run yet: `python -m bench {name}`.", ""]
    if not res.get("available", True):
        return [f"**Not available yet** ({res.get('ran_at', '?')}): {res.get('reason', '')}", ""]
    return None


def machine(m: dict[str, Any]) -> list[str]:
    v = m.get("versions", {})
    rows = [
        ["date", m.get("date", "-")],
        ["cores / memory", f"{m.get('cores', '-')} cores, {m.get('memory_gb', '-')} GB"],
        ["load average at start", ", ".join(str(x) for x in m.get("load_avg_at_start", []))],
        ["platform", m.get("platform", "-")],
        ["python / strawberry", f"{v.get('python', '-')} / {v.get('strawberry-graphql', '-')}"],
        [
            "arq / tortoise-orm / asyncpg",
            f"{v.get('arq')} / {v.get('tortoise-orm')} / {v.get('asyncpg')}",
        ],
        ["uvicorn / starlette", f"{v.get('uvicorn')} / {v.get('starlette')}"],
        ["PostgreSQL / Redis", f"{v.get('postgres')} / {v.get('redis')}"],
        [
            "faster-whisper / ctranslate2 / ffmpeg",
            f"{v.get('faster-whisper')} / {v.get('ctranslate2')} / {v.get('ffmpeg')}",
        ],
    ]
    return table(["", ""], rows)


def api_section(res: dict[str, Any] | None) -> list[str]:
    out = ["## 1. API latency and throughput (closed loop, no think time)", ""]
    if (skip := unavailable("api", res)) is not None:
        return out + skip
    assert res is not None
    cfg = res.get("config", {})
    out += [
        f"Ran {res.get('ran_at')}; {f(cfg.get('seconds_per_cell'), 0)} s per cell after a "
        f"{f(cfg.get('warmup_seconds'), 1)} s warm-up; load client: "
        f"{cfg.get('load_client', 'python (bench.load)')}, on the same two cores as the "
        f"servers; api: {res.get('api_launcher', '-')}, RSS {f(res.get('api_rss_mb_idle'))} MB "
        f"idle, {f(res.get('api_rss_mb_after'))} MB after. Each cell runs Clipforge, the bare "
        "Strawberry app (bench/strawberry_baseline.py: the same documents, no auth, limits, "
        "metrics or ORM, same SQL) and the bare Starlette baseline (bench/baseline_app.py), "
        "back to back. Latencies in ms.",
        "",
        state(res),
        "",
    ]
    for name, q in ordered(res.get("queries", {})):
        if not q.get("available"):
            out += [f"**{name}**: not available yet: {q.get('reason', '')}", ""]
            continue
        same = q.get("same_data_as_baseline")
        same_bare = q.get("same_data_as_strawberry")
        out += [
            f"**{name}** (same data as the Starlette baseline: {'yes' if same else 'NO'}; "
            f"as the bare Strawberry app: {'yes' if same_bare else 'NO'})",
            "",
        ]
        rows = []
        for c, cell in sorted(q.get("cells", {}).items(), key=lambda kv: int(kv[0])):
            g, b = cell["graphql"], cell["baseline"]
            sb = cell.get("strawberry") or {}
            rows.append(
                [
                    c,
                    pcts(g),
                    f(g["rps"]),
                    pcts(sb) if sb else "-",
                    f(sb.get("rps")),
                    pcts(b),
                    f(b["rps"]),
                    f"{g['errors']} / {sb.get('errors', '-')} / {b['errors']}",
                ]
            )
        out += table(
            [
                "clients",
                "Clipforge p50 / p95 / p99",
                "req/s",
                "bare Strawberry p50 / p95 / p99",
                "req/s",
                "bare Starlette p50 / p95 / p99",
                "req/s",
                "errors (C / S / B)",
            ],
            rows,
        )
        out.append("")
    workers = res.get("workers", {})
    if workers:
        out += ["Requests/s by number of api processes (`clipforge serve --workers N`):", ""]
        rows = []
        for name, w in ordered(workers):
            one, two = w.get("1", {}), w.get("2", {})
            gain = ratio(two.get("rps", math.nan), one.get("rps", math.nan))
            rows.append(
                [
                    name,
                    str(w.get("clients")),
                    f"{f(one.get('rps'))} (p95 {f(one.get('p95'))} ms)",
                    f"{f(two.get('rps'))} (p95 {f(two.get('p95'))} ms)",
                    f(gain, 2) + "x",
                ]
            )
        out += table(["query", "clients", "--workers 1", "--workers 2", "2 / 1"], rows) + [""]
    sql = res.get("sql", {})
    if sql:
        out += ["SQL statements per request (counted in-process around asyncpg):", ""]
        rows = [
            [label, str(s["queries"]), str(s["pool_resets"]), s.get("error") or "ok"]
            for label, s in sql.items()
        ]
        out += table(["request", "queries", "pool reset round trips", "response"], rows)
        d10, d50 = sql.get("UploadDetail@10", {}), sql.get("UploadDetail@50", {})
        if d10 and d50:
            same = d10.get("queries") == d50.get("queries")
            out += [
                "",
                f"UploadDetail with 10 clips: {d10.get('queries')} queries; with 50 clips: "
                f"{d50.get('queries')} queries "
                f"({'constant: no N+1' if same else 'GROWS with clips'}).",
            ]
        out.append("")
    cpu = res.get("cpu_ms_per_request", {})
    if cpu:
        names = [n for n, _ in ordered(next(iter(cpu.values())))]
        out += [
            "CPU milliseconds per request, measured in-process (sequential requests, "
            "time.process_time; less sensitive to other load than latency):",
            "",
        ]
        out += table(
            ["app", *names], [[v, *(f(per.get(n), 2) for n in names)] for v, per in cpu.items()]
        )
        out.append("")
    out += profile_tables(res)
    return out


def profile_tables(res: dict[str, Any]) -> list[str]:
    out: list[str] = []
    profiles = res.get("profiles", {})
    if profiles and "skipped" not in profiles:
        out += ["Where the api's CPU goes under load (py-spy on the server, self time):", ""]
        rows = []
        for name, p in ordered(profiles):
            if "by_package_pct" not in p:
                continue
            pk = ", ".join(f"{k} {v}%" for k, v in top(p["by_package_pct"], 7))
            fn = ", ".join(f"`{k}` {v}%" for k, v in top(p["top_functions_pct"], 4))
            rows.append([f"{name} ({p.get('clients', 50)} clients)", pk, fn])
        out += table(["query", "packages", "top functions"], rows)
        out.append("")
    inproc = res.get("inprocess_profiles", {})
    if inproc and "skipped" not in inproc:
        out += [
            "Where one request's CPU goes in-process (pyinstrument, self time; text profiles "
            "in bench/profiles/, not committed):",
            "",
        ]
        rows = []
        for name, p in ordered(inproc):
            if "by_package_pct" not in p:
                continue
            pk = ", ".join(f"{k} {v}%" for k, v in top(p["by_package_pct"], 7))
            fn = ", ".join(f"`{k}` {v}%" for k, v in top(p["top_functions_pct"], 4))
            rows.append([f"{name} ({f(p.get('cpu_ms'), 2)} ms)", pk, fn])
        out += table(["query (CPU per request)", "packages", "top functions"], rows)
        out.append("")
    return out


def events_section(res: dict[str, Any] | None) -> list[str]:
    out = ["## 2. Live events (pipelineEvents over graphql-transport-ws)", ""]
    if (skip := unavailable("events", res)) is not None:
        return out + skip
    assert res is not None
    out += [
        f"Ran {res.get('ran_at')}. {res['subscribed']:,} of {res['sockets']:,} sockets "
        f"subscribed (over {res['users']} users) in {f(res['connect_seconds'])} s, all live "
        f"(first message received on {res.get('confirmed_live', '-')}) after "
        f"{f(res.get('ready_seconds'))} s; api memory "
        f"per idle socket {f(res['rss_per_socket_kb'])} KB (RSS {f(res['rss_before_mb'])} -> "
        f"{f(res['rss_idle_mb'])} MB). Each rate step publishes for "
        f"{f(res.get('seconds_per_step'), 0)} s through core.events.publish, round-robin over "
        "the users; every event goes to each of its user's sockets; the client then waits 10 s "
        "for late events (an event not received by then counts as not delivered). "
        "Target: p99 < 100 ms. " + state(res),
        "",
    ]
    rows = []
    for label, st in res.get("steps", {}).items():
        lat = st["latency_ms"]
        rows.append(
            [
                label,
                f"{st['delivered']:,} / {st['expected']:,}",
                f(st["delivered_per_second"]),
                f"{f(lat['p50'])} / {f(lat['p95'])} / {f(lat['p99'])}",
                f(st.get("api_cpu_pct")),
                f(st.get("client_cpu_pct")),
                f(st.get("api_cpu_ms_per_delivery"), 2),
            ]
        )
    out += table(
        [
            "events published",
            "delivered / expected",
            "delivered per s",
            "publish-to-receive p50 / p95 / p99 ms",
            "api CPU %",
            "client CPU %",
            "api CPU ms per delivery",
        ],
        rows,
    )
    wi = res.get("what_if_gc")
    if wi and "steps" in wi:
        out += [
            "",
            "What-if, same run: the same steps on the same api code started with "
            f"`gc.set_threshold({wi['gc_threshold']})` (bench/api_server.py), so that full "
            "garbage collections become rare:",
            "",
        ]
        rows = []
        for label, st in wi["steps"].items():
            lat = st["latency_ms"]
            rows.append(
                [
                    label,
                    f"{st['delivered']:,} / {st['expected']:,}",
                    f"{f(lat['p50'])} / {f(lat['p95'])} / {f(lat['p99'])}",
                    f(st["api_cpu_pct"]),
                ]
            )
        out += table(
            ["events published", "delivered / expected", "p50 / p95 / p99 ms", "api CPU %"], rows
        )
    prof = res.get("profile") or {}
    if "by_package_pct" in prof:
        pk = ", ".join(f"{k} {v}%" for k, v in top(prof["by_package_pct"], 8))
        fn = ", ".join(f"`{k}` {v}%" for k, v in top(prof["top_functions_pct"], 5))
        out += [
            "",
            f"py-spy on the api during an extra step at the last rate (not measured; self "
            f"time by package): {pk}. Top functions: {fn}.",
        ]
    return out + [""]


def pipeline_section(res: dict[str, Any] | None) -> list[str]:
    out = ["## 3. Pipeline (generated speech video, real worker)", ""]
    base = (res or {}).get("baselines")
    if res is not None and not res.get("available", True) and base:
        out += [
            f"**Pipeline not available yet** ({res.get('ran_at')}): {res.get('reason', '')}",
            "",
        ]
    elif (skip := unavailable("pipeline", res)) is not None:
        return out + skip
    assert res is not None
    if res.get("available"):
        stages = res.get("stages", {})
        order = ["transcribe", "transcribe_chunk", "clip", "captions"]
        rows = [[s, f(stages[s], 1)] for s in order if s in stages]
        rows += [
            ["sum of stages", f(res.get("sum_of_stages"), 1)],
            ["inside jobs (overlapping chunks once)", f(res.get("busy"), 1)],
            ["end-to-end to READY", f(res.get("end_to_end"), 1)],
        ]
        out += [
            f"Ran {res.get('ran_at')}; {f(res.get('media_seconds'), 0)} s video, model "
            f"{res.get('model')}. Real-time factor {f(res.get('real_time_factor'))}x "
            f"(target >= 5x), orchestration overhead {f(res.get('overhead_pct'))} % "
            "(target < 10 %): end-to-end is from completeUpload to READY, stages are the time "
            "inside each arq job (chunks summed; the overhead compares with the time inside "
            f"jobs, overlapping chunks counted once); {res.get('clips', '-')} clips made. "
            f"{state(res)}",
            "",
        ]
        out += table(["stage", "wall seconds"], rows) + [""]
    if base:
        order = ["ffmpeg audio extraction", "faster-whisper alone", "plain ffmpeg cuts"]
        order += [k for k in base if k not in order]
        rows = [
            [k, f(v.get("seconds"), 1), f(v.get("real_time_factor"), 1) + "x", v.get("what", "")]
            for k, v in ((k, base[k]) for k in order if k in base)
        ]
        out += ["Same-run baselines (plain tools on the same media):", ""]
        out += table(["baseline", "seconds", "real-time factor", "what"], rows) + [""]
        stages = res.get("stages", {})
        w = base.get("faster-whisper alone", {}).get("seconds")
        c = base.get("plain ffmpeg cuts", {}).get("seconds")
        if stages.get("transcribe") and w:
            out.append(
                f"Transcribe stage / faster-whisper alone: {stages['transcribe'] / w:.2f}; "
                + (
                    f"clip stage / plain cuts: {stages['clip'] / c:.2f}. "
                    if stages.get("clip") and c
                    else ""
                )
                + "(The baselines ran after the pipeline, in the same run.)"
            )
            out.append("")
    for extra in res.get("long", []) if isinstance(res.get("long"), list) else []:
        out += [f"Long run: {extra}", ""]
    return out


def queue_section(res: dict[str, Any] | None) -> list[str]:
    out = ["## 4. Queue (arq, no-op job, one worker)", ""]
    if (skip := unavailable("queue", res)) is not None:
        return out + skip
    assert res is not None
    rows = []
    for label, r in (("default settings", res.get("default")), ("what-if", res.get("what_if"))):
        if not r:
            continue
        p, t = r["pickup_ms"], r["throughput"]
        rows.append(
            [
                f"{label} (max_jobs={r['max_jobs']}, poll_delay={r['poll_delay']} s)",
                f"{f(p['p50'])} / {f(p['p95'])} ms ({p['samples']} jobs)",
                f"{f(t['total_seconds'], 2)} s ({f(t['jobs_per_second'])} jobs/s, "
                f"{t['completed']}/{t['jobs']} done)",
            ]
        )
    out += [
        f"Ran {res.get('ran_at')}. Targets: pick-up median < 50 ms; 1,000 jobs < 3 s. {state(res)}",
        "",
    ]
    out += table(
        ["worker", "enqueue-to-start median / p95", "1,000 no-ops through one worker"], rows
    )
    return out + [""]


def export_section(res: dict[str, Any] | None) -> list[str]:
    out = ["## 5. Exports (one FFmpeg run from the source, per reframe mode)", ""]
    if (skip := unavailable("export", res)) is not None:
        return out + skip
    assert res is not None
    ex = res.get("exports", {})
    modes = ex.get("modes", {})
    out += [
        f"Ran {res.get('ran_at')}; a {f(ex.get('clip_seconds'), 1)} s two-person dialogue "
        f"(real faces, espeak-ng speech) at {ex.get('source')}, exported to {ex.get('export')} "
        "(libx264 veryfast, CRF 21) from the source in one run, no captions. Seconds of work "
        "per second of clip; `analysis` is the sampled face detection, tracking and speaker "
        "analysis (5 frames/s at 360p, the audio's loudness decoded alongside), `render` the "
        f"FFmpeg run. {state(res)}",
        "",
    ]
    rows = []
    for mode in ("CENTER", "SPEAKER", "SPLIT"):
        m = modes.get(mode)
        if not m:
            continue
        ph = m.get("phases", {})
        rows.append(
            [
                mode,
                f(m.get("seconds"), 2),
                f(m.get("per_clip_second"), 3),
                f(ph["analysis"], 2) if ph.get("analysis") else "-",
                f(ph.get("render"), 2),
                m.get("reframe_used", "-"),
            ]
        )
    out += table(
        ["mode", "wall s", "s per clip second", "analysis s", "render s", "mode used"], rows
    )
    out += [
        "",
        f"SPEAKER / CENTER: **{f(ex.get('speaker_over_center'), 2)}x**; SPLIT / CENTER: "
        f"{f(ex.get('split_over_center'), 2)}x; the face analysis alone: "
        f"{f(ex.get('analysis_per_clip_second'), 3)} s per clip second.",
        "",
    ]
    det = res.get("detectors", {})
    rows = [
        [
            name,
            f(r.get("astronaut_512_ms"), 1),
            str(r.get("astronaut_found", "-")),
            str(r.get("lfw_100px_recall", "-")),
            f(r.get("lfw_100px_ms"), 1),
            str(r.get("lfw_200px_recall", "-")),
            f(r.get("lfw_200px_ms"), 1),
        ]
        for name, r in det.items()
        if isinstance(r, dict)
    ]
    if rows:
        out += ["Face detectors (dlib; LFW faces of scikit-image scaled up):", ""]
        out += table(
            [
                "detector",
                "astronaut 512 px ms",
                "found",
                "LFW 100 px recall",
                "ms",
                "LFW 200 px recall",
                "ms",
            ],
            rows,
        )
        if "landmarks68_ms" in det:
            out += ["", f"68-point landmarks (mouth cue): {f(det['landmarks68_ms'], 2)} ms a face."]
    return out + [""]


def render(results: dict[str, Any]) -> str:
    b = results.get("benchmarks", {})
    m = results.get("machine", {})
    out = [
        "# Benchmark results",
        "",
        "Written by `python -m bench all` (one command: it creates a fresh database, starts the "
        "api, baseline and worker, seeds, loads, stops everything and drops the database). "
        "Each benchmark records when it ran; re-running one updates only its section. "
        "**Figures are noisy**: the machine is shared with other engineers' test runs "
        "(see the load average), and the load client runs on the same two cores as the "
        "servers it measures.",
        "",
        "## Machine",
        "",
        *machine(m),
        "",
        "## Targets",
        "",
    ]
    out += table(
        ["target", "figure", "verdict"],
        [[c.target, c.figure, c.verdict] for c in all_checks(results)],
    )
    out.append("")
    out += api_section(b.get("api"))
    out += events_section(b.get("events"))
    out += pipeline_section(b.get("pipeline"))
    out += queue_section(b.get("queue"))
    out += export_section(b.get("export"))
    if LIMITS.exists():
        out += [
            "## What limits the figures (profiles and causes)",
            "",
            LIMITS.read_text().strip(),
            "",
        ]
    return "\n".join(out).rstrip() + "\n"
