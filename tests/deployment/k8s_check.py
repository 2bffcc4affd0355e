"""Run the Kubernetes manifests' pods for real with `podman kube play`, on the images container-check builds.

    make k8s-check      (python -m tests.deployment.k8s_check)

Podman plays a Pod or a Deployment as one pod on this machine. This check
plays the API Deployment and the web front end Deployment from
deploy/kubernetes/ with their own containers, security contexts, resources,
environment and volumes, and checks: the API answers its probe path
/api/health within the startup probe's budget; a prediction through the
API and through the web front end; the `detector scan` command of the batch
Job inside the API's image; and in each container unprivileged processes, a
read-only root file system, no capabilities, no new privileges and the
manifest's memory limit in its cgroup.

What it changes, because Podman here is no cluster: the pods use the host's
network (container networks do not work in this sandbox), so each listens on
a free loopback port and the web front end's BACKEND_ADDR is the API pod's
loopback address instead of the Service's name; images are named as
kustomization.yaml names them; one replica. The probes
are run from here as the kubelet would (Podman runs httpGet probes with curl
inside the container, which the slim image does not have). What Podman does
not run at all: Services and their cluster IPs, the HorizontalPodAutoscaler,
the PodDisruptionBudget, the NetworkPolicy, the Namespace's Pod Security
admission, rolling updates, the preStop pause, and the Indexed Job (its
command runs in the API's container instead). The manifests themselves are
validated against the Kubernetes schema by tests/deployment/test_kubernetes.py.

The images are built with container-check's machinery (stand-in base images,
the project's Dockerfiles) unless they are there already (`make
container-check` with --keep-images leaves them), and removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import yaml

from . import container_check as containers
from . import support
from .container_check import Checks, a_jpeg, check_confinement, log, podman

MANIFESTS = support.REPO / "deploy" / "kubernetes"
PLAYED = containers.CACHE / "k8s"
MEMORY_UNITS = {"Ki": 1024, "Mi": 1024**2, "Gi": 1024**3}
CONTAINERS_CONF_FILES = (Path("/etc/containers/containers.conf"), Path("/usr/share/containers/containers.conf"))


def kustomize_images() -> dict[str, str]:
    """name -> newName:newTag, as kustomization.yaml maps the manifests' images."""
    kustomization = yaml.safe_load((MANIFESTS / "kustomization.yaml").read_text())
    return {image["name"]: f"{image['newName']}:{image['newTag']}" for image in kustomization["images"]}


def for_podman(name: str, env: dict[str, str]) -> tuple[dict, dict]:
    """A Deployment of deploy/kubernetes as Podman here can play it; and its container's probes."""
    deployment = yaml.safe_load((MANIFESTS / name).read_text())
    deployment["spec"]["replicas"] = 1
    pod = deployment["spec"]["template"]["spec"]
    pod["hostNetwork"] = True
    (container,) = pod["containers"]
    container["image"] = kustomize_images()[container["image"]]
    container["env"] = [item for item in container.get("env", []) if item["name"] not in env]
    container["env"] += [{"name": key, "value": value} for key, value in env.items()]
    kinds = ("startupProbe", "readinessProbe", "livenessProbe")
    probes = {kind: container.pop(kind) for kind in kinds if kind in container}
    container.pop("lifecycle", None)
    container.pop("ports", None)  # on the host's network a port is the address it binds
    return deployment, probes


def containers_conf() -> Path:
    """This machine's containers.conf with fixed ulimits (kube play has no --ulimit; runc needs them here)."""
    shipped = next((p for p in CONTAINERS_CONF_FILES if p.is_file()), None)
    text = shipped.read_text() if shipped else "[containers]\n"
    ulimits = containers.ULIMITS[1::2]  # ["--ulimit", "nofile=...", "--ulimit", "nproc=..."]
    line = f"default_ulimits = {json.dumps(ulimits)}"
    if "[containers]" not in text:
        text = "[containers]\n" + text
    path = PLAYED / "containers.conf"
    path.write_text(text.replace("[containers]", f"[containers]\n{line}", 1))
    return path


def probe_url(probes: dict, port: int) -> tuple[str, float]:
    """The URL the startup probe (or the readiness probe) asks, and how long it may fail first."""
    probe = probes.get("startupProbe") or probes["readinessProbe"]
    budget = probe.get("periodSeconds", 10) * probe.get("failureThreshold", 3) + probe.get("initialDelaySeconds", 0)
    return f"http://127.0.0.1:{port}{probe['httpGet']['path']}", budget


def play(deployment: dict) -> str:
    """podman kube play one Deployment; the name of its container."""
    path = PLAYED / f"{deployment['metadata']['name']}.yaml"
    path.write_text(yaml.safe_dump(deployment, sort_keys=False))
    played = podman("kube", "play", "--replace", str(path), capture=True, check=False)
    if played.returncode:
        raise SystemExit(f"podman kube play {path.name} failed: {played.stderr.strip()[-2000:]}")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    # Podman names the pod NAME-pod or NAME-pod-0 (by version), and its container POD-CONTAINER.
    pattern = re.compile(rf"{re.escape(deployment['metadata']['name'])}-pod(-\d+)?-{re.escape(container['name'])}")
    names = podman("ps", "-a", "--format", "{{.Names}}", capture=True).stdout.split()
    (name,) = [name for name in names if pattern.fullmatch(name)]
    return name


def wait_for(url: str, budget: float, name: str) -> float:
    """Ask url until it answers 200, as a probe would; seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < budget:
        try:
            if support.get(url, timeout=5).status == 200:
                return time.monotonic() - started
        except OSError:
            pass
        state = containers.inspect(name, "{{.State.Status}}")
        if state not in ("running", "created", "configured"):
            break
        time.sleep(2)
    podman("logs", "--tail", "40", name, check=False)
    raise SystemExit(f"{name}: {url} did not answer within {budget:.0f} s")


def check_prediction(url: str, label: str, check: Checks) -> None:
    answer = support.post_files(f"{url}/api/predict", [("image", "photo.jpg", a_jpeg(), "image/jpeg")])
    result = answer.json() if answer.status == 200 else {}
    check(
        f"{label}: a JPEG is classified",
        result.get("verdict", {}).get("label") in ("REAL", "FAKE", "UNSURE") and result.get("filename") == "photo.jpg",
        f"HTTP {answer.status}: {answer.body[:200]!r}",
    )


def check_memory_limit(name: str, deployment: dict, check: Checks) -> None:
    """The container's cgroup enforces the manifest's resources.limits.memory."""
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    wanted = container["resources"]["limits"]["memory"]
    expected = int(wanted[:-2]) * MEMORY_UNITS[wanted[-2:]]
    enforced = podman("exec", name, "sh", "-c", containers.CGROUP_LIMITS, capture=True).stdout.split()
    check(f"{name}: memory limit {wanted} as in the manifest", str(expected) in enforced, f"cgroup {enforced}")


def check_scan_command(name: str, check: Checks) -> None:
    """The batch Job's command, `detector scan --shard INDEX/COUNT`, in the API's image."""
    script = (
        "mkdir -p /tmp/collection/a && cat > /tmp/collection/a/photo.jpg && printf 'x' > /tmp/collection/notes.txt"
        " && detector scan /tmp/collection --shard 0/1 --out /tmp/results/shard-0.jsonl --workers 1 --summary"
        " && cat /tmp/results/shard-0.jsonl"
    )
    result = subprocess.run(
        ["podman", *containers.PODMAN_ARGS, "exec", "-i", name, "sh", "-c", script],
        input=a_jpeg(),
        capture_output=True,
        timeout=600,
    )
    lines = [line for line in result.stdout.decode().splitlines() if line.startswith("{")]
    results = {Path(item["path"]).name: item for item in map(json.loads, lines)}
    check(
        "the image's `detector scan` writes a line per file",
        result.returncode == 0
        and set(results) == {"photo.jpg", "notes.txt"}
        and "verdict" in results["photo.jpg"]
        and results["notes.txt"]["error"]["code"] == 415,
        f"exit {result.returncode}: {result.stderr.decode()[-500:]}",
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="leave the pods running and the images in place")
    args = parser.parse_args()
    if sys.platform != "linux":
        sys.exit("k8s-check needs Linux with Podman")
    started = time.monotonic()
    containers.ensure_tools()
    PLAYED.mkdir(parents=True, exist_ok=True)
    os.environ["CONTAINERS_CONF"] = str(containers_conf())
    timings = {}

    images = kustomize_images()
    missing = [image for image in images.values() if podman("image", "exists", image, check=False).returncode]
    if missing:
        log(f"building {', '.join(missing)} as make container-check does")
        override = containers.CACHE / "k8s.override.yml"
        containers.write_override(override, containers.standin_bases(), support.free_port(), support.free_port())
        containers.run([*containers.compose_command(override), "build"])
    else:
        log("using the images make container-check built")
    timings["images"] = time.monotonic() - started

    api_port, web_port = support.free_port(), support.free_port()
    api, api_probes = for_podman("api-deployment.yaml", {"BIND": f"127.0.0.1:{api_port}"})
    web, web_probes = for_podman(
        "web-deployment.yaml",
        # No Service here, and Podman 4.3 ignores hostAliases on the host's network: the API pod's address.
        {"NGINX_LISTEN": f"127.0.0.1:{web_port}", "BACKEND_ADDR": f"127.0.0.1:{api_port}"},
    )
    check = Checks()
    played = []
    try:
        log("podman kube play the API Deployment")
        mark = time.monotonic()
        played.append(PLAYED / "detector-api.yaml")
        api_container = play(api)
        url, budget = probe_url(api_probes, api_port)
        waited = wait_for(url, budget, api_container)
        timings["api healthy"] = time.monotonic() - mark
        check(f"the API answers its startup probe ({url}) within {budget:.0f} s", True, f"{waited:.0f} s")
        health = support.get(url).json()
        check("/api/health: status ok, model loaded", health.get("status") == "ok" and health.get("model_loaded"))
        check_prediction(f"http://127.0.0.1:{api_port}", "API pod", check)

        log("podman kube play the web front end Deployment")
        played.append(PLAYED / "detector-web.yaml")
        web_container = play(web)
        url, budget = probe_url(web_probes, web_port)
        wait_for(url, budget, web_container)
        site = f"http://127.0.0.1:{web_port}"
        page = support.get(f"{site}/")
        check("the web front end serves the app", page.status == 200 and b'<div id="root"' in page.body)
        through = support.get(f"{site}/api/health")
        check("the web front end proxies /api/ to the API pod", through.status == 200, f"HTTP {through.status}")
        check_prediction(site, "through the web front end", check)

        for name, deployment in ((api_container, api), (web_container, web)):
            check_confinement(name, name, check, pids_limit=False)  # a kubelet setting, not the manifest's
            check_memory_limit(name, deployment, check)
        log("the batch Job's command in the API image")
        mark = time.monotonic()
        check_scan_command(api_container, check)
        timings["scan command"] = time.monotonic() - mark
    finally:
        if not args.keep:
            log("removing the pods and the images (stand-ins stay cached)")
            for path in played:
                podman("kube", "down", str(path), capture=True, check=False)
            containers.remove_images()
    total = time.monotonic() - started
    print(", ".join(f"{name} {seconds:.0f} s" for name, seconds in timings.items()) + f"; total {total:.0f} s")
    print(f"k8s-check: {len(check.passed)} passed, {len(check.failed)} failed")
    return 1 if check.failed or not check.passed else 0


if __name__ == "__main__":
    sys.exit(main())
