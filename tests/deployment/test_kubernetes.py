"""The Kubernetes manifests (deploy/kubernetes): valid against the API schema, and consistent.

Every resource is validated with kubernetes-validate against the schema of
KUBERNETES_VERSION, strictly (no unknown fields); where `kubectl` is
installed, so is what `kubectl kustomize` makes of each kustomization. The
other tests read the manifests for what the schema cannot know: the selectors
meet, the probes ask /api/health, the pods run confined, the grace period
covers gunicorn's, the memory fits the workers, the Job's shard count is its
completions, and the images are those `make container-check` builds.
`make k8s-check` runs the pods for real with Podman.
"""

from __future__ import annotations

import copy
import re
import runpy
import shutil
import subprocess

import kubernetes_validate
import pytest
import yaml

from . import support
from .container_check import IMAGES

# The Kubernetes version the manifests are written for (kubernetes-validate is pinned in requirements.txt).
KUBERNETES_VERSION = "1.35.0"
MANIFESTS = support.REPO / "deploy" / "kubernetes"
KUSTOMIZATIONS = sorted(MANIFESTS.rglob("kustomization.yaml"))
RESOURCE_FILES = sorted(path for path in MANIFESTS.rglob("*.yaml") if path.name != "kustomization.yaml")
# What one gunicorn worker holds (TensorFlow and the model), measured: docs/deployment.md, "Scaling the backend".
WORKER_MEMORY = 800 * 1024**2
UNITS = {"Ki": 1024, "Mi": 1024**2, "Gi": 1024**3}


def documents(path):
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def resources() -> dict[tuple[str, str], dict]:
    """(kind, name) -> resource, for every manifest."""
    return {(doc["kind"], doc["metadata"]["name"]): doc for path in RESOURCE_FILES for doc in documents(path)}


def container(kind: str, name: str) -> dict:
    (only,) = pod_spec(kind, name)["containers"]
    return only


def pod_spec(kind: str, name: str) -> dict:
    return resources()[(kind, name)]["spec"]["template"]["spec"]


def memory(quantity: str) -> int:
    return int(quantity[:-2]) * UNITS[quantity[-2:]]


def env(spec: dict) -> dict[str, str]:
    return {item["name"]: item.get("value") for item in spec.get("env", [])}


@pytest.mark.parametrize("path", RESOURCE_FILES, ids=lambda path: str(path.relative_to(MANIFESTS)))
def test_every_manifest_is_valid_against_the_schema(path):
    docs = documents(path)
    assert docs
    for doc in docs:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_the_validator_rejects_a_broken_manifest():
    deployment = copy.deepcopy(resources()[("Deployment", "detector-api")])
    deployment["spec"]["template"]["spec"]["containers"][0]["resource"] = {}  # misspelt
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS, ids=lambda path: str(path.parent.relative_to(MANIFESTS)))
def test_each_kustomization_lists_the_files_beside_it(kustomization):
    listed = yaml.safe_load(kustomization.read_text())["resources"]
    beside = sorted(path.name for path in kustomization.parent.glob("*.yaml") if path.name != "kustomization.yaml")
    assert sorted(listed) == beside


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS, ids=lambda path: str(path.parent.relative_to(MANIFESTS)))
def test_kustomize_output_is_valid(kustomization):
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed: the kustomize output is not built (each file is validated)")
    built = subprocess.run(
        ["kubectl", "kustomize", str(kustomization.parent)], capture_output=True, text=True, check=True
    ).stdout
    docs = [doc for doc in yaml.safe_load_all(built) if doc]
    assert len(docs) == sum(
        len(documents(kustomization.parent / name)) for name in yaml.safe_load(kustomization.read_text())["resources"]
    )
    for doc in docs:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        assert doc["kind"] == "Namespace" or doc["metadata"]["namespace"] == "detector"


def test_images_are_those_container_check_builds():
    for kustomization in KUSTOMIZATIONS:
        for image in yaml.safe_load(kustomization.read_text())["images"]:
            built = IMAGES[image["name"].removeprefix("detector-")]
            assert f"{image['newName']}:{image['newTag']}" == built
    used = {
        c["image"]
        for doc in resources().values()
        if "template" in doc.get("spec", {})
        for c in doc["spec"]["template"]["spec"]["containers"]
    }
    assert used == {"detector-backend", "detector-frontend"}


def test_services_select_their_deployments_pods():
    for name, target in (("detector-api", "http"), ("detector-web", "http")):
        service = resources()[("Service", name)]
        labels = resources()[("Deployment", name)]["spec"]["template"]["metadata"]["labels"]
        assert service["spec"]["selector"].items() <= labels.items()
        ports = {port["name"] for port in container("Deployment", name)["ports"]}
        assert all(port["targetPort"] == target and target in ports for port in service["spec"]["ports"])


def test_one_upload_limit_for_the_api_and_the_web_front_end():
    limit = support.env_example()["MAX_UPLOAD_BYTES"]
    assert env(container("Deployment", "detector-api"))["FLASK_MAX_CONTENT_LENGTH"] == limit
    assert env(container("Deployment", "detector-web"))["MAX_UPLOAD_BYTES"] == limit


def test_autoscaler_budget_and_policy_target_the_api():
    api = resources()[("Deployment", "detector-api")]
    labels = api["spec"]["template"]["metadata"]["labels"]
    hpa = resources()[("HorizontalPodAutoscaler", "detector-api")]["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "detector-api"}
    assert [metric["resource"]["name"] for metric in hpa["metrics"]] == ["cpu"]
    assert hpa["minReplicas"] >= 2  # so that the disruption budget leaves one serving
    pdb = resources()[("PodDisruptionBudget", "detector-api")]["spec"]
    assert pdb["selector"]["matchLabels"].items() <= labels.items() and pdb["minAvailable"] < hpa["minReplicas"]


def test_only_the_web_front_end_may_reach_the_api():
    policy = resources()[("NetworkPolicy", "detector-api")]["spec"]
    api_labels = resources()[("Deployment", "detector-api")]["spec"]["template"]["metadata"]["labels"]
    web_labels = resources()[("Deployment", "detector-web")]["spec"]["template"]["metadata"]["labels"]
    assert policy["podSelector"]["matchLabels"].items() <= api_labels.items()
    assert policy["policyTypes"] == ["Ingress"]
    (rule,) = policy["ingress"]
    (source,) = rule["from"]
    assert set(source) == {"podSelector"} and source["podSelector"]["matchLabels"].items() <= web_labels.items()
    assert rule["ports"] == [{"protocol": "TCP", "port": 8000}]
    assert env(container("Deployment", "detector-web"))["BACKEND_ADDR"] == "detector-api:8000"


@pytest.mark.parametrize(
    "kind, name", [("Deployment", "detector-api"), ("Deployment", "detector-web"), ("Job", "detector-scan")]
)
def test_pods_run_confined(kind, name):
    spec = pod_spec(kind, name)
    assert spec["securityContext"]["runAsNonRoot"] and spec["securityContext"]["runAsUser"] > 0
    assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert spec["automountServiceAccountToken"] is False
    confined = container(kind, name)["securityContext"]
    assert confined["readOnlyRootFilesystem"] and confined["allowPrivilegeEscalation"] is False
    assert confined["capabilities"] == {"drop": ["ALL"]}
    mounts = {mount["mountPath"]: mount["name"] for mount in container(kind, name)["volumeMounts"]}
    volumes = {volume["name"]: volume for volume in spec["volumes"]}
    assert "emptyDir" in volumes[mounts["/tmp"]]  # the one writable place besides the results volume
    assert container(kind, name)["resources"]["limits"] and container(kind, name)["resources"]["requests"]


def test_api_probes_ask_health_and_allow_the_model_to_load():
    api = container("Deployment", "detector-api")
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert api[probe]["httpGet"] == {"path": "/api/health", "port": "http"}
    startup = api["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 120


def test_grace_period_covers_gunicorns_graceful_timeout():
    settings = runpy.run_path(str(support.REPO / "backend" / "gunicorn.conf.py"))
    spec = pod_spec("Deployment", "detector-api")
    pause = container("Deployment", "detector-api")["lifecycle"]["preStop"]["sleep"]["seconds"]
    assert spec["terminationGracePeriodSeconds"] >= pause + settings["graceful_timeout"]


def test_api_memory_fits_its_workers():
    api = container("Deployment", "detector-api")
    workers = int(env(api)["WEB_CONCURRENCY"])
    assert memory(api["resources"]["requests"]["memory"]) >= workers * WORKER_MEMORY
    assert memory(api["resources"]["limits"]["memory"]) > memory(api["resources"]["requests"]["memory"])


def test_scan_job_shards_by_completion_index():
    job = resources()[("Job", "detector-scan")]["spec"]
    assert job["completionMode"] == "Indexed" and job["template"]["spec"]["restartPolicy"] == "Never"
    command = container("Job", "detector-scan")["command"]
    assert command[:2] == ["detector", "scan"]
    shard = command[command.index("--shard") + 1]
    assert shard == f"$(JOB_COMPLETION_INDEX)/{job['completions']}"
    assert "$(JOB_COMPLETION_INDEX)" in command[command.index("--out") + 1]  # one results file per pod
    workers = int(command[command.index("--workers") + 1])
    scan = container("Job", "detector-scan")
    assert memory(scan["resources"]["requests"]["memory"]) >= workers * WORKER_MEMORY
    assert int(scan["resources"]["limits"]["cpu"]) == workers
    claims = {
        volume["persistentVolumeClaim"]["claimName"]
        for volume in job["template"]["spec"]["volumes"]
        if "persistentVolumeClaim" in volume
    }
    assert claims == {name for kind, name in resources() if kind == "PersistentVolumeClaim"}


def test_deployment_guide_names_the_kubernetes_version():
    guide = (support.REPO / "docs" / "deployment.md").read_text()
    assert re.search(rf"Kubernetes {re.escape(KUBERNETES_VERSION.rsplit('.', 1)[0])}\b", guide)
