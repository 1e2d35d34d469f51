"""Prometheus config, alert rules and the Grafana dashboard speak the shared metric names."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml

from .loaders import GRAFANA_DIR, PROMETHEUS_DIR, load_compose
from .metric_names import METRICS, exposed_series_names

SERIES = exposed_series_names()
# Series Prometheus itself makes for every target.
BUILTIN_SERIES = {"up"}
NAME = re.compile(r"\b(clipforge_[a-z0-9_]+)\b")
BY = re.compile(r"\b(?:by|without)\s*\(([^)]*)\)")
MATCHERS = re.compile(r"\{([^}]*)\}")
# What Grafana and alert templates may put inside {...} without being a label matcher.
TEMPLATE = re.compile(r"\{\{[^}]*\}\}")


def alert_rules() -> list[dict[str, Any]]:
    data = yaml.safe_load((PROMETHEUS_DIR / "alerts.yml").read_text())
    return [rule for group in data["groups"] for rule in group["rules"]]


def dashboard() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((GRAFANA_DIR / "clipforge-dashboard.json").read_text())
    return data


def dashboard_exprs() -> list[str]:
    return [t["expr"] for p in dashboard()["panels"] for t in p.get("targets", [])]


def check_expr(expr: str) -> set[str]:
    """Assert an expression uses only known series and labels; return the metrics it uses."""
    assert expr.count("(") == expr.count(")") and expr.count("{") == expr.count("}"), expr
    assert expr.count("[") == expr.count("]"), expr
    names = set(NAME.findall(expr))
    unknown = names - set(SERIES)
    assert not unknown, f"not in the team's metric list: {unknown} in {expr}"
    metrics = {SERIES[n] for n in names}
    labels: set[str] = set().union(*(METRICS[m].labels for m in metrics)) if metrics else set()
    if any(n.endswith("_bucket") for n in names):
        labels |= {"le"}
    labels |= {"job", "instance", "namespace", "pod"} if not metrics else set()
    for group in BY.findall(expr):
        used = {label.strip() for label in group.split(",") if label.strip()}
        assert used <= labels, f"labels {used - labels} not on {metrics} in {expr}"
    for matcher in MATCHERS.findall(TEMPLATE.sub("", expr)):
        used = {m.split("=")[0].strip().rstrip("!~") for m in matcher.split(",") if m.strip()}
        assert used <= labels | {"job", "instance"}, f"matcher {used} in {expr}"
    # Histogram buckets are only meaningful through histogram_quantile over rate().
    for name in names:
        if name.endswith("_bucket"):
            assert "histogram_quantile(" in expr and "rate(" in expr, expr
        if METRICS[SERIES[name]].type == "counter":
            assert re.search(rf"(rate|increase)\({name}\b", expr), f"raw counter in {expr}"
    return metrics


def test_metric_list_matches_the_team_contract() -> None:
    assert len(METRICS) == 13
    histograms = {n for n, m in METRICS.items() if m.type == "histogram"}
    assert histograms == {
        "clipforge_http_request_duration_seconds",
        "clipforge_job_duration_seconds",
    }
    for name, metric in METRICS.items():
        assert name.startswith("clipforge_")
        assert name.endswith("_total") == (metric.type == "counter"), name


@pytest.mark.parametrize("rule", alert_rules(), ids=lambda r: r["alert"])
def test_alert_rule_uses_known_metrics(rule: dict[str, Any]) -> None:
    metrics = check_expr(rule["expr"])
    if rule["alert"] == "ClipforgeApiDown":
        assert re.match(r"up\{", rule["expr"])
    else:
        assert metrics, rule["expr"]
    assert rule["labels"]["severity"] in ("page", "warning")
    assert rule["annotations"]["summary"]
    assert re.fullmatch(r"\d+[smh]", rule["for"])


def test_required_alerts() -> None:
    rules = {r["alert"]: " ".join(r["expr"].split()) for r in alert_rules()}
    assert rules["ClipforgeDeadLettersHigh"].endswith("clipforge_dead_letters) > 5")
    latency = rules["ClipforgeApiLatencyP95High"]
    assert latency.startswith("histogram_quantile(0.95,") and latency.endswith("> 0.2")
    assert "clipforge_http_request_duration_seconds_bucket" in latency
    failures = rules["ClipforgeJobFailureRateHigh"]
    assert "clipforge_job_failures_total" in failures and "clipforge_jobs_total" in failures
    assert "/" in failures


def test_dashboard_panels_use_known_metrics_and_cover_them_all() -> None:
    used: set[str] = set()
    for expr in dashboard_exprs():
        used |= check_expr(expr)
    assert used == set(METRICS), f"no panel for {set(METRICS) - used}"


def test_dashboard_shape() -> None:
    dash = dashboard()
    panels = dash["panels"]
    ids = [p["id"] for p in panels]
    assert len(ids) == len(set(ids))
    (var,) = dash["templating"]["list"]
    assert var["type"] == "datasource" and var["query"] == "prometheus"
    titles = {p["title"] for p in panels}
    for title in (
        "Request rate per operation",
        "p95 latency per operation",
        "Jobs by outcome",
        "Job duration p95",
        "Queue depth",
        "Jobs in progress",
        "Dead letters",
        "Credit minutes charged / refunded per hour",
    ):
        assert title in titles
    for panel in panels:
        pos = panel["gridPos"]
        assert pos["x"] >= 0 and pos["x"] + pos["w"] <= 24
        if panel["type"] == "row":
            continue
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        assert panel["targets"], panel["title"]
        refs = [t["refId"] for t in panel["targets"]]
        assert len(refs) == len(set(refs))
    by_title = {p["title"]: p for p in panels}
    latency = by_title["p95 latency per operation"]["targets"][0]["expr"]
    assert "sum by (operation, le)" in latency
    assert by_title["p95 latency per operation"]["fieldConfig"]["defaults"]["unit"] == "s"


def test_prometheus_configs() -> None:
    compose = yaml.safe_load((PROMETHEUS_DIR / "prometheus.yml").read_text())
    jobs = {j["job_name"]: j for j in compose["scrape_configs"]}
    assert jobs["clipforge-api"]["static_configs"] == [{"targets": ["api:8000"]}]
    assert jobs["clipforge-worker"]["static_configs"] == [{"targets": ["worker:9100"]}]
    assert {j["metrics_path"] for j in jobs.values()} == {"/metrics"}
    k8s = yaml.safe_load((PROMETHEUS_DIR / "prometheus-k8s.yml").read_text())
    api = next(j for j in k8s["scrape_configs"] if j["job_name"] == "clipforge-api")
    assert api["kubernetes_sd_configs"][0]["namespaces"]["names"] == ["clipforge"]
    for config in (compose, k8s):
        assert config["rule_files"] == ["/etc/prometheus/alerts.yml"]
        for scrape in config["scrape_configs"]:
            # The metrics' `job` label (pipeline stage) must survive the scrape.
            assert scrape["honor_labels"] is True
    # `up{job="clipforge-api"}` in the rules names a real scrape job in both setups.
    assert {j["job_name"] for j in compose["scrape_configs"]} <= {
        j["job_name"] for j in k8s["scrape_configs"]
    }


def test_compose_monitoring_mounts_what_the_configs_expect() -> None:
    services = load_compose()["services"]
    prom_mounts = {v.split(":")[1] for v in services["prometheus"]["volumes"]}
    assert "/etc/prometheus/alerts.yml" in prom_mounts
    datasources = yaml.safe_load(
        (GRAFANA_DIR / "provisioning" / "datasources" / "prometheus.yml").read_text()
    )
    assert datasources["datasources"][0]["url"] == "http://prometheus:9090"
    providers = yaml.safe_load(
        (GRAFANA_DIR / "provisioning" / "dashboards" / "clipforge.yml").read_text()
    )
    path = providers["providers"][0]["options"]["path"]
    grafana_mounts = [v.split(":")[1] for v in services["grafana"]["volumes"]]
    assert any(m.startswith(path + "/") and m.endswith(".json") for m in grafana_mounts)
    for service in ("prometheus", "grafana"):
        assert services[service]["profiles"] == ["monitoring"]
