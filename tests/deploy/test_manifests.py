"""The Kubernetes manifests: schema-valid, unprivileged, probed and scaled as designed."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from arq.constants import default_queue_name

from .loaders import (
    CRD_DIR,
    K8S_DIR,
    Doc,
    find,
    load_manifests,
    manifest_files,
    settings_env_names,
    settings_from_env,
)

# The oldest Kubernetes we support and the newest schema kubernetes-validate bundles.
K8S_VERSIONS = ("1.30.0", kubernetes_validate.latest_version())
CRD_SCHEMAS = {
    ("keda.sh/v1alpha1", "ScaledObject"): "keda-scaledobject-schema.json",
    ("keda.sh/v1alpha1", "TriggerAuthentication"): "keda-triggerauthentication-schema.json",
}
IMAGE_UID = 10001
SETTINGS_ENV = settings_env_names()

DOCS = load_manifests()


def _ids(docs: list[tuple[Path, Doc]]) -> list[str]:
    return [f"{p.name}:{d['kind']}/{d['metadata']['name']}" for p, d in docs]


BUILTIN = [(p, d) for p, d in DOCS if (d["apiVersion"], d["kind"]) not in CRD_SCHEMAS]
CUSTOM = [(p, d) for p, d in DOCS if (d["apiVersion"], d["kind"]) in CRD_SCHEMAS]


def crd_schema(doc: Doc) -> dict[str, Any]:
    name = CRD_SCHEMAS[(doc["apiVersion"], doc["kind"])]
    schema: dict[str, Any] = json.loads((CRD_DIR / name).read_text())
    return schema


def unknown_fields(value: Any, schema: dict[str, Any], path: str = "") -> list[str]:
    """Fields the schema does not declare: what `kubectl apply` (strict validation) refuses."""
    if schema.get("x-kubernetes-preserve-unknown-fields"):
        return []
    found: list[str] = []
    if isinstance(value, dict) and "properties" in schema:
        props = schema["properties"]
        for key, sub in value.items():
            if key not in props:
                found.append(f"{path}.{key}")
            else:
                found += unknown_fields(sub, props[key], f"{path}.{key}")
    elif isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            found += unknown_fields(item, schema["items"], f"{path}[{i}]")
    return found


def validate_crd(doc: Doc) -> None:
    schema = crd_schema(doc)
    jsonschema.validate(doc, schema, cls=jsonschema.Draft7Validator)
    extra = unknown_fields(doc, schema)
    if extra:
        raise jsonschema.ValidationError(f"unknown fields: {extra}")


def pod_workloads() -> list[Doc]:
    return [d for _, d in DOCS if d["kind"] in ("Deployment", "Job")]


def containers(workload: Doc) -> list[Doc]:
    spec = workload["spec"]["template"]["spec"]
    return list(spec.get("initContainers", [])) + list(spec["containers"])


# ----------------------------------------------------------------------------- schemas


def test_every_manifest_is_found() -> None:
    kinds = sorted(d["kind"] for _, d in DOCS)
    assert kinds == sorted(
        [
            "Namespace",
            "ConfigMap",
            "Secret",
            "Secret",
            "Secret",
            "Deployment",
            "Deployment",
            "Deployment",
            "Service",
            "HorizontalPodAutoscaler",
            "PodDisruptionBudget",
            "Job",
            "ScaledObject",
            "ScaledObject",
            "TriggerAuthentication",
        ]
    )


@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize(("path", "doc"), BUILTIN, ids=_ids(BUILTIN))
def test_builtin_kinds_validate_strictly(path: Path, doc: Doc, version: str) -> None:
    validated = kubernetes_validate.validate(doc, version, strict=True)
    assert validated == kubernetes_validate.utils.major_minor(version)


def test_strict_validation_rejects_unknown_and_mistyped_fields() -> None:
    deployment = copy.deepcopy(find(DOCS, "Deployment", "clipforge-api"))
    deployment["spec"]["replica"] = 2
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, K8S_VERSIONS[0], strict=True)
    hpa = copy.deepcopy(find(DOCS, "HorizontalPodAutoscaler", "clipforge-api"))
    hpa["spec"]["minReplicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(hpa, K8S_VERSIONS[0], strict=True)


@pytest.mark.parametrize(("path", "doc"), CUSTOM, ids=_ids(CUSTOM))
def test_keda_resources_validate_against_crd_schema(path: Path, doc: Doc) -> None:
    validate_crd(doc)


def test_crd_validation_rejects_bad_scaledobjects() -> None:
    good = find(DOCS, "ScaledObject", "clipforge-worker")
    bad_type = copy.deepcopy(good)
    bad_type["spec"]["minReplicaCount"] = "zero"
    unknown = copy.deepcopy(good)
    unknown["spec"]["maxReplicas"] = 8
    missing = copy.deepcopy(good)
    del missing["spec"]["triggers"][0]["type"]
    numeric_metadata = copy.deepcopy(good)
    numeric_metadata["spec"]["triggers"][0]["metadata"]["listLength"] = 2
    for bad in (bad_type, unknown, missing, numeric_metadata):
        with pytest.raises(jsonschema.ValidationError):
            validate_crd(bad)


def test_everything_lives_in_the_clipforge_namespace() -> None:
    for path, doc in DOCS:
        if doc["kind"] == "Namespace":
            assert doc["metadata"]["name"] == "clipforge"
            labels = doc["metadata"]["labels"]
            assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
        else:
            assert doc["metadata"].get("namespace") == "clipforge", path.name


def test_kustomization_lists_every_manifest() -> None:
    kustomization = yaml.safe_load((K8S_DIR / "kustomization.yaml").read_text())
    assert sorted(kustomization["resources"]) == sorted(p.name for p in manifest_files())
    assert kustomization["namespace"] == "clipforge"
    images = {d["image"].split(":")[0] for d in pod_workloads() for d in containers(d)}
    assert images == {i["name"] for i in kustomization["images"]}


# ----------------------------------------------------------------------------- security


@pytest.mark.parametrize("workload", pod_workloads(), ids=lambda d: d["metadata"]["name"])
def test_pods_run_unprivileged(workload: Doc) -> None:
    pod = workload["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == IMAGE_UID
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod.get("automountServiceAccountToken") is False
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        assert not pod.get(key)
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    assert all("hostPath" not in v for v in volumes.values())
    for c in containers(workload):
        sc = c["securityContext"]
        assert sc["runAsNonRoot"] is True
        assert sc["runAsUser"] == IMAGE_UID
        assert sc["readOnlyRootFilesystem"] is True
        assert sc["allowPrivilegeEscalation"] is False
        assert sc["capabilities"] == {"drop": ["ALL"]}
        assert sc["seccompProfile"] == {"type": "RuntimeDefault"}
        assert not sc.get("privileged")
        # A read-only root needs a writable /tmp, backed by an emptyDir.
        tmp = [m for m in c["volumeMounts"] if m["mountPath"] == "/tmp"]
        assert len(tmp) == 1 and "emptyDir" in volumes[tmp[0]["name"]]
        res = c["resources"]
        assert {"cpu", "memory"} <= set(res["requests"]) and {"cpu", "memory"} <= set(res["limits"])


@pytest.mark.parametrize("workload", pod_workloads(), ids=lambda d: d["metadata"]["name"])
def test_pods_take_config_and_secrets_that_exist(workload: Doc) -> None:
    for c in containers(workload):
        refs = c["envFrom"]
        config = [r["configMapRef"]["name"] for r in refs if "configMapRef" in r]
        secrets = [r["secretRef"]["name"] for r in refs if "secretRef" in r]
        assert config == ["clipforge-config"] and secrets == ["clipforge-secrets"]
        for name in config:
            find(DOCS, "ConfigMap", name)
        for name in secrets:
            find(DOCS, "Secret", name)


def test_config_and_secret_keys_are_clipforge_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    config = find(DOCS, "ConfigMap", "clipforge-config")["data"]
    secret = find(DOCS, "Secret", "clipforge-secrets")["stringData"]
    assert set(config) <= SETTINGS_ENV, set(config) - SETTINGS_ENV
    assert set(secret) <= SETTINGS_ENV, set(secret) - SETTINGS_ENV
    assert not set(config) & set(secret)
    assert config["CLIPFORGE_STORAGE_BACKEND"] == "s3"
    for key in (
        "CLIPFORGE_DATABASE_URL",
        "CLIPFORGE_REDIS_URL",
        "CLIPFORGE_SECRET_KEY",
        "CLIPFORGE_S3_ACCESS_KEY_ID",
        "CLIPFORGE_S3_SECRET_ACCESS_KEY",
        "CLIPFORGE_STRIPE_API_KEY",
        "CLIPFORGE_STRIPE_WEBHOOK_SECRET",
    ):
        assert key in secret
    # The values parse as the process would read them.
    settings = settings_from_env(config | secret, monkeypatch)
    assert settings.is_production and settings.storage_backend == "s3"


def test_secrets_hold_only_placeholders() -> None:
    for _, doc in DOCS:
        if doc["kind"] == "Secret":
            assert "data" not in doc, "use stringData placeholders, never encoded values"
            for key, value in doc["stringData"].items():
                # an empty key ring refuses to sign: the operator must fill it
                empty_ring = key == "jwt_keys.json" and json.loads(value) == {"keys": []}
                assert "CHANGE_ME" in value or key == "address" or empty_ring, key


# ----------------------------------------------------------------------------- api


def test_api_deployment_probes_and_port() -> None:
    api = find(DOCS, "Deployment", "clipforge-api")
    assert api["spec"]["replicas"] == 2
    (c,) = api["spec"]["template"]["spec"]["containers"]
    assert c["args"] == ["clipforge", "serve", "--host", "0.0.0.0"]
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    assert ports == {"http": 8000}
    assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert c["startupProbe"]["httpGet"]["path"] == "/healthz"
    annotations = api["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/path"] == "/metrics"
    assert annotations["prometheus.io/port"] == "8000"


def test_api_service_and_pdb_select_the_api_pods() -> None:
    api = find(DOCS, "Deployment", "clipforge-api")
    labels = api["spec"]["template"]["metadata"]["labels"]
    selector = api["spec"]["selector"]["matchLabels"]
    assert selector.items() <= labels.items()
    service = find(DOCS, "Service", "clipforge-api")
    assert service["spec"]["selector"].items() <= labels.items()
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    pdb = find(DOCS, "PodDisruptionBudget", "clipforge-api")
    assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert pdb["spec"]["minAvailable"] == 1


def test_api_hpa_bounds() -> None:
    hpa = find(DOCS, "HorizontalPodAutoscaler", "clipforge-api")
    assert hpa["apiVersion"] == "autoscaling/v2"
    spec = hpa["spec"]
    assert spec["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "clipforge-api",
    }
    assert (spec["minReplicas"], spec["maxReplicas"]) == (2, 6)
    (metric,) = spec["metrics"]
    assert metric["resource"]["name"] == "cpu"
    assert metric["resource"]["target"] == {"type": "Utilization", "averageUtilization": 70}
    # The PDB's floor stays reachable at the HPA's minimum.
    assert find(DOCS, "PodDisruptionBudget", "clipforge-api")["spec"]["minAvailable"] < 2


# ----------------------------------------------------------------------------- worker


WORKERS = {"long": "clipforge-worker", "interactive": "clipforge-worker-interactive"}


@pytest.mark.parametrize("latency", list(WORKERS))
def test_worker_deployment_per_latency_class(latency: str) -> None:
    worker = find(DOCS, "Deployment", WORKERS[latency])
    assert "replicas" not in worker["spec"], "KEDA owns the worker count"
    pod = worker["spec"]["template"]["spec"]
    (c,) = pod["containers"]
    assert c["args"] == ["clipforge", "worker", "--queues", latency]
    grace = int(
        find(DOCS, "ConfigMap", "clipforge-config")["data"][
            "CLIPFORGE_WORKER_SHUTDOWN_GRACE_SECONDS"
        ]
    )
    assert pod["terminationGracePeriodSeconds"] >= 120
    assert pod["terminationGracePeriodSeconds"] > grace


@pytest.mark.parametrize("latency", list(WORKERS))
def test_worker_scaledobject_scales_each_class_on_its_own_queue(latency: str) -> None:
    from core.pipeline import Latency

    so = find(DOCS, "ScaledObject", WORKERS[latency])
    spec = so["spec"]
    assert spec["scaleTargetRef"]["name"] == WORKERS[latency]
    find(DOCS, "Deployment", spec["scaleTargetRef"]["name"])
    bounds = {"long": (0, 8), "interactive": (1, 6)}[latency]
    assert (spec["minReplicaCount"], spec["maxReplicaCount"]) == bounds
    (trigger,) = spec["triggers"]
    assert trigger["type"] == "redis"
    # arq's queue is a sorted set; KEDA's redis scaler counts it with ZCARD (see the YAML).
    assert trigger["metadata"]["listName"] == Latency(latency).queue_name
    config = find(DOCS, "ConfigMap", "clipforge-config")["data"]
    slots = {
        "long": "CLIPFORGE_WORKER_MAX_JOBS",
        "interactive": "CLIPFORGE_WORKER_INTERACTIVE_JOBS",
    }
    assert int(trigger["metadata"]["listLength"]) == int(config[slots[latency]])
    auth = find(DOCS, "TriggerAuthentication", trigger["authenticationRef"]["name"])
    params = {ref["parameter"] for ref in auth["spec"]["secretTargetRef"]}
    assert params == {"address", "password"}
    for ref in auth["spec"]["secretTargetRef"]:
        assert ref["key"] in find(DOCS, "Secret", ref["name"])["stringData"]


def test_every_latency_class_has_its_workers() -> None:
    from core.pipeline import Latency

    assert set(WORKERS) == {latency.value for latency in Latency}
    assert default_queue_name == Latency.LONG.queue_name


def test_migrate_job() -> None:
    job = find(DOCS, "Job", "clipforge-migrate")
    pod = job["spec"]["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    (c,) = pod["containers"]
    assert c["args"] == ["clipforge", "migrate"]
    assert job["spec"]["backoffLimit"] >= 1


def test_all_processes_run_one_image() -> None:
    images = {c["image"] for w in pod_workloads() for c in containers(w)}
    assert len(images) == 1


def test_api_replicas_share_one_jwt_key_ring() -> None:
    api = next(d for _, d in DOCS if d["kind"] == "Deployment" and "api" in d["metadata"]["name"])
    spec = api["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    env = {e["name"]: e.get("value") for e in container.get("env", [])}
    path = env["CLIPFORGE_JWT_KEYS_FILE"]
    mounts = {m["name"]: m for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in spec["volumes"]}
    (name,) = [n for n, m in mounts.items() if path.startswith(m["mountPath"] + "/")]
    assert mounts[name].get("readOnly") is True
    assert volumes[name]["secret"]["secretName"] == "clipforge-jwt-keys"


def test_worker_serves_its_metrics_where_prometheus_looks() -> None:
    worker = next(
        d for _, d in DOCS if d["kind"] == "Deployment" and "worker" in d["metadata"]["name"]
    )
    template = worker["spec"]["template"]
    (container,) = template["spec"]["containers"]
    env = {e["name"]: e.get("value") for e in container.get("env", [])}
    port = template["metadata"]["annotations"]["prometheus.io/port"]
    assert env["CLIPFORGE_WORKER_METRICS_PORT"] == port
    assert {p["containerPort"] for p in container["ports"]} == {int(port)}
