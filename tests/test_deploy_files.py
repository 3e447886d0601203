"""The deployment files (issue 20): the image, compose and Kubernetes, checked offline.

* Kubernetes: every manifest against the API schemas (kubernetes-validate, strict: an
  unknown field fails), each kustomization rendered (``kubectl kustomize`` when kubectl is
  on the machine, else the same assembly in Python: resources, the shared component's
  generators and image) and its cross-references checked (Service and PodDisruptionBudget
  selectors, Ingress backend, autoscaler targets, the ConfigMap and Secret the pods read).
* yamllint over compose.yaml and deploy/ (``.yamllint.yaml``).
* compose.yaml: loaded by ``docker-compose config`` when it is installed (Debian's
  package), and its structure checked in any case.
* The Dockerfile read statically, the entrypoint run with a stand-in ``python``, the
  health check script against a small HTTP server, and the image's collectstatic step run
  as the build runs it.

No Docker engine and no cluster are needed: these checks are fast and run on both legs.
"""

from __future__ import annotations

import http.server
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from tests.skips import mark_skip_on_leg

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
KUSTOMIZATIONS = ("app", "migrate")
#: The oldest Kubernetes we support, and the newest whose schemas the package bundles.
K8S_VERSIONS = ("1.30.0", kubernetes_validate.utils.latest_version())
APP_ROLES = ("web", "worker", "scheduler")
SECRET_EXAMPLE = K8S / "settings" / "secret.env.example"
COMPOSE_ENV_EXAMPLE = DEPLOY / "compose.env.example"


def load_all(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def read_env(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, sep, value = line.partition("=")
            assert sep, f"{path.name}: not NAME=value: {line!r}"
            assert name not in values, f"{path.name}: {name} twice"
            values[name] = value
    return values


def manifest_files() -> list[Path]:
    return sorted(path for path in K8S.rglob("*.yaml") if path.name != "kustomization.yaml")


# --- Kubernetes: schemas --------------------------------------------------------------


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_every_manifest_passes_the_strict_schema(version):
    files = manifest_files()
    assert len(files) >= 8, files
    for path in files:
        for doc in load_all(path):
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.ValidationError as exc:
                pytest.fail(f"{path.relative_to(ROOT)} ({doc['kind']}): {exc.message}")


def test_strict_validation_refuses_an_unknown_field():
    """The check above has teeth: a misspelt field is refused."""
    doc = load_all(K8S / "app" / "web.yaml")[0]
    doc["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(doc, K8S_VERSIONS[0], strict=True)


# --- Kubernetes: the kustomizations ---------------------------------------------------


def kustomization(folder: Path) -> dict:
    return yaml.safe_load((folder / "kustomization.yaml").read_text())


def test_every_file_a_kustomization_names_exists():
    for name in (*KUSTOMIZATIONS, "settings"):
        folder = K8S / name
        spec = kustomization(folder)
        named = list(spec.get("resources", [])) + list(spec.get("components", []))
        for generator in spec.get("configMapGenerator", []) + spec.get("secretGenerator", []):
            named += generator.get("envs", []) + generator.get("files", [])
        assert named, f"{name}/kustomization.yaml names nothing"
        for entry in named:
            path = folder / entry
            if path.name == "secret.env":  # the operator's copy of the example
                path = path.with_name("secret.env.example")
            assert path.exists(), f"{name}/kustomization.yaml names {entry}, which is missing"


def assemble(name: str, tree: Path) -> list[dict]:
    """What ``kubectl kustomize`` makes of ``tree/deploy/k8s/<name>``, for these files:
    the resources, the component's generated ConfigMap and Secret (without their hash
    suffix), its image and labels, and the namespace."""
    folder = tree / "deploy" / "k8s" / name
    spec = kustomization(folder)
    docs = [doc for entry in spec["resources"] for doc in load_all(folder / entry)]
    for entry in spec.get("components", []):
        component = yaml.safe_load((folder / entry / "kustomization.yaml").read_text())
        for kind, key in (("ConfigMap", "configMapGenerator"), ("Secret", "secretGenerator")):
            for generator in component.get(key, []):
                data = {}
                for env_file in generator["envs"]:
                    data.update(read_env(folder / entry / env_file))
                docs.append(
                    {"apiVersion": "v1", "kind": kind, "metadata": {"name": generator["name"]}}
                    | {"data": data}
                )
        images = {image["name"]: image for image in component.get("images", [])}
        labels = {}
        for entry_labels in component.get("labels", []):
            labels.update(entry_labels["pairs"])
        for doc in docs:
            doc["metadata"].setdefault("labels", {}).update(labels)
            for container in pod_spec(doc).get("containers", []) if pod_spec(doc) else []:
                image = images.get(container["image"])
                if image:
                    container["image"] = f"{image['newName']}:{image['newTag']}"
    for doc in docs:
        doc["metadata"]["namespace"] = spec["namespace"]
    return docs


def kubectl_render(name: str, tree: Path) -> list[dict]:
    result = subprocess.run(
        [shutil.which("kubectl"), "kustomize", str(tree / "deploy" / "k8s" / name)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


#: The checks below run on the Python assembly, and on kubectl's rendering where kubectl
#: is installed (kustomize itself is not needed: ``kubectl kustomize`` works offline).
RENDERERS = {"python": assemble}
if shutil.which("kubectl"):
    RENDERERS["kubectl"] = kubectl_render


@pytest.fixture(scope="module")
def operator_tree(tmp_path_factory) -> Path:
    """A copy of the deployment files as an operator fills them: secret.env from its
    example (the real one is never committed)."""
    tree = tmp_path_factory.mktemp("operator")
    shutil.copytree(DEPLOY, tree / "deploy")
    shutil.copy(SECRET_EXAMPLE, tree / "deploy" / "k8s" / "settings" / "secret.env")
    shutil.copy(COMPOSE_ENV_EXAMPLE, tree / "deploy" / "compose.env")
    shutil.copy(ROOT / "compose.yaml", tree / "compose.yaml")
    return tree


@pytest.fixture(scope="module", params=sorted(RENDERERS))
def rendered(request, operator_tree) -> dict[str, list[dict]]:
    return {name: RENDERERS[request.param](name, operator_tree) for name in KUSTOMIZATIONS}


def pod_spec(doc: dict) -> dict | None:
    if doc["kind"] in ("Deployment", "Job"):
        return doc["spec"]["template"]["spec"]
    return None


def by_kind(docs: list[dict], kind: str) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def matches(selector: dict, labels: dict) -> bool:
    return bool(selector) and all(labels.get(key) == value for key, value in selector.items())


@pytest.mark.parametrize("name", KUSTOMIZATIONS)
def test_rendered_kustomization_passes_the_strict_schema(rendered, name):
    for doc in rendered[name]:
        for version in K8S_VERSIONS:
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.ValidationError as exc:
                pytest.fail(f"{name}: {doc['kind']}/{doc['metadata']['name']}: {exc.message}")


if "kubectl" in RENDERERS:  # defined only where there is something to compare with

    def test_python_assembly_agrees_with_kubectl(operator_tree):
        """The Python assembly (all there is without kubectl) makes the same objects as
        kubectl, hash suffixes aside."""

        def key(doc):
            return doc["kind"], re.sub(r"-[a-z0-9]{10}$", "", doc["metadata"]["name"])

        for name in KUSTOMIZATIONS:
            by_kubectl = kubectl_render(name, operator_tree)
            by_python = assemble(name, operator_tree)
            assert sorted(map(key, by_kubectl)) == sorted(map(key, by_python))


@pytest.mark.parametrize("name", KUSTOMIZATIONS)
def test_pods_read_the_generated_settings_and_run_the_image(rendered, name):
    docs = rendered[name]
    config_maps, secrets = by_kind(docs, "ConfigMap"), by_kind(docs, "Secret")
    assert len(config_maps) == 1 and len(secrets) == 1
    images = kustomization(K8S / "settings")["images"]
    image = f"{images[0]['newName']}:{images[0]['newTag']}"
    workloads = [doc for doc in docs if pod_spec(doc)]
    assert workloads
    for doc in workloads:
        spec = pod_spec(doc)
        where = f"{name}: {doc['kind']}/{doc['metadata']['name']}"
        assert spec["securityContext"]["runAsNonRoot"] is True, where
        assert spec["securityContext"]["runAsUser"] != 0, where
        assert spec["automountServiceAccountToken"] is False, where
        for container in spec["containers"]:
            assert container["image"] == image, where
            sources = container["envFrom"]
            assert {s["configMapRef"]["name"] for s in sources if "configMapRef" in s} == set(
                config_maps
            ), where
            assert {s["secretRef"]["name"] for s in sources if "secretRef" in s} == set(secrets), (
                where
            )
            resources = container["resources"]
            assert {"cpu", "memory"} <= set(resources["requests"]), where
            assert {"cpu", "memory"} <= set(resources["limits"]), where
            assert container["securityContext"]["allowPrivilegeEscalation"] is False, where


def test_app_roles_and_their_guarantees(rendered):
    docs = rendered["app"]
    deployments = by_kind(docs, "Deployment")
    roles = {
        doc["spec"]["template"]["spec"]["containers"][0]["args"][0]: doc
        for doc in deployments.values()
    }
    assert set(roles) == set(APP_ROLES)
    for doc in deployments.values():
        assert matches(
            doc["spec"]["selector"]["matchLabels"], doc["spec"]["template"]["metadata"]["labels"]
        )
        assert doc["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] == 30
    scheduler = roles["scheduler"]
    assert scheduler["spec"]["replicas"] == 1
    assert scheduler["spec"]["strategy"] == {"type": "Recreate"}

    web = roles["web"]["spec"]["template"]["spec"]["containers"][0]
    assert web["livenessProbe"]["httpGet"]["path"] == "/health/live/"
    assert web["readinessProbe"]["httpGet"]["path"] == "/health/ready/"
    # The probes' Host must be one that Django allows.
    allowed = read_env(K8S / "settings" / "config.env")["ALLOWED_HOSTS"].split(",")
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        headers = {h["name"]: h["value"] for h in web[probe]["httpGet"]["httpHeaders"]}
        assert headers["Host"] in allowed, probe

    (job,) = by_kind(rendered["migrate"], "Job").values()
    assert job["spec"]["template"]["spec"]["containers"][0]["args"] == ["migrate"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"


def test_service_ingress_autoscalers_and_budget_reach_the_right_pods(rendered):
    docs = rendered["app"]
    deployments = by_kind(docs, "Deployment")
    web = deployments["teranga-web"]
    web_labels = web["spec"]["template"]["metadata"]["labels"]
    web_ports = {
        port["name"]: port["containerPort"]
        for port in web["spec"]["template"]["spec"]["containers"][0]["ports"]
    }

    services = by_kind(docs, "Service")
    (service,) = services.values()
    assert matches(service["spec"]["selector"], web_labels)
    for other in deployments.values():
        if other is not web:
            labels = other["spec"]["template"]["metadata"]["labels"]
            assert not matches(service["spec"]["selector"], labels), other["metadata"]["name"]
    for port in service["spec"]["ports"]:
        assert port["targetPort"] in web_ports or port["targetPort"] in web_ports.values()
    service_ports = {port["name"] for port in service["spec"]["ports"]} | {
        port["port"] for port in service["spec"]["ports"]
    }

    (ingress,) = by_kind(docs, "Ingress").values()
    for rule in ingress["spec"]["rules"]:
        for path in rule["http"]["paths"]:
            backend = path["backend"]["service"]
            assert backend["name"] in services
            assert set(backend["port"].values()) <= service_ports
    annotations = ingress["metadata"]["annotations"]
    for timeout in ("proxy-read-timeout", "proxy-send-timeout"):
        assert int(annotations[f"nginx.ingress.kubernetes.io/{timeout}"]) >= 3600
    public = read_env(K8S / "settings" / "config.env")["PUBLIC_URL"]
    assert public == f"https://{ingress['spec']['rules'][0]['host']}"

    autoscalers = by_kind(docs, "HorizontalPodAutoscaler")
    targets = {hpa["spec"]["scaleTargetRef"]["name"] for hpa in autoscalers.values()}
    assert targets == {"teranga-web", "teranga-worker"}
    for hpa in autoscalers.values():
        ref = hpa["spec"]["scaleTargetRef"]
        assert ref["kind"] == "Deployment" and ref["name"] in deployments
        assert [m["resource"]["name"] for m in hpa["spec"]["metrics"]] == ["cpu"]
        assert hpa["spec"]["minReplicas"] >= 2

    (budget,) = by_kind(docs, "PodDisruptionBudget").values()
    assert matches(budget["spec"]["selector"]["matchLabels"], web_labels)
    assert budget["spec"]["minAvailable"] < web["spec"]["replicas"]


def test_secrets_stay_in_the_secret_and_the_examples_hold_placeholders():
    secret = read_env(SECRET_EXAMPLE)
    config = read_env(K8S / "settings" / "config.env")
    required = {
        "SECRET_KEY",
        "DATABASE_URL",
        "REDIS_URL",
        "S3_ACCESS_KEY_ID",
        "S3_SECRET_ACCESS_KEY",
    }
    assert required <= set(secret)
    # One source per variable (envFrom would let one silently override the other).
    assert not set(secret) & set(config)
    credential = re.compile(r"SECRET|PASSWORD|TOKEN|_KEY$|_KEY_ID$|DSN|CREDENTIALS")
    assert not [name for name in config if credential.search(name)]
    for name in required:
        assert "CHANGE_ME" in secret[name], name
    compose = read_env(COMPOSE_ENV_EXAMPLE)
    for name, value in compose.items():
        if credential.search(name) and value and not name.startswith("S3_ACCESS"):
            assert "CHANGE_ME" in value, f"compose.env.example: {name} is not a placeholder"
    ignored = (DEPLOY / ".gitignore").read_text().split()
    assert {"compose.env", "k8s/settings/secret.env"} <= set(ignored)


# --- YAML style -----------------------------------------------------------------------


def test_yamllint():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "yamllint",
            "--strict",
            "-c",
            str(ROOT / ".yamllint.yaml"),
            "-f",
            "parsable",
            "compose.yaml",
            "deploy/",
            ".yamllint.yaml",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- compose --------------------------------------------------------------------------


def test_compose_file_loads(operator_tree):
    """``docker-compose config`` (Debian's package) accepts it with the example settings,
    when it is installed; the structure test below runs in any case."""
    program = shutil.which("docker-compose")
    if program is None:
        return
    result = subprocess.run(
        [program, "-f", "compose.yaml", "config", "-q"],
        cwd=operator_tree,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


def test_compose_structure():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert {"db", "redis", "minio", "createbuckets", "migrate", *APP_ROLES, "proxy"} <= set(
        services
    )
    assert services["db"]["image"].startswith("postgres:15")
    assert services["redis"]["image"].startswith("redis:7")
    for name, service in services.items():
        for target in service.get("depends_on", {}):
            assert target in services, f"{name} depends on {target}, which is not a service"
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if not source.startswith("."):
                assert source in compose["volumes"], f"{name}: volume {source} is not declared"
        one_off = service.get("restart") == "no"
        if not one_off:
            assert "healthcheck" in service and not service["healthcheck"].get("disable"), name
    assert services["migrate"]["command"] == ["migrate"]
    replicas = {name: services[name].get("deploy", {}).get("replicas") for name in APP_ROLES}
    assert replicas == {"web": 2, "worker": 2, "scheduler": 1}
    for name in APP_ROLES:
        service = services[name]
        assert service["command"] == [name]
        assert service["env_file"] == "deploy/compose.env"
        conditions = {target: spec["condition"] for target, spec in service["depends_on"].items()}
        assert conditions["migrate"] == "service_completed_successfully", name
        assert conditions["db"] == conditions["redis"] == "service_healthy", name
    assert services["proxy"]["depends_on"]["web"]["condition"] == "service_healthy"

    env = read_env(COMPOSE_ENV_EXAMPLE)
    for name in (
        "SECRET_KEY",
        "DATABASE_URL",
        "REDIS_URL",
        "ALLOWED_HOSTS",
        "PUBLIC_URL",
        "S3_BUCKET",
        "S3_ENDPOINT_URL",
        "S3_REGION",
        "S3_ACCESS_KEY_ID",
        "S3_SECRET_ACCESS_KEY",
        "S3_PUBLIC_URL",
        "S3_SIGNED_URL_SECONDS",
    ):
        assert name in env, name
    assert env["PRODUCTION"] == "true"
    assert env["POSTGRES_PASSWORD"] in env["DATABASE_URL"]
    assert env["S3_SECRET_ACCESS_KEY"] == env["MINIO_ROOT_PASSWORD"]
    assert env["S3_ACCESS_KEY_ID"] == env["MINIO_ROOT_USER"]


def test_proxy_passes_websockets_and_the_client_address():
    conf = (DEPLOY / "nginx.conf").read_text()
    assert "server web:8000" in conf
    assert re.search(r"proxy_set_header Upgrade \$http_upgrade;", conf)
    assert re.search(r"proxy_set_header Connection \$connection_upgrade;", conf)
    ws = conf[conf.index("location /ws/") :]
    ws = ws[: ws.index("}")]
    assert "proxy_read_timeout 3600s" in ws
    for header in (
        "Host $host",
        "X-Forwarded-For $proxy_add_x_forwarded_for",
        "X-Forwarded-Proto $scheme",
    ):
        assert f"proxy_set_header {header};" in conf
    assert conf.count("{") == conf.count("}")
    assert read_env(COMPOSE_ENV_EXAMPLE)["TRUSTED_PROXY_COUNT"] == "1"


# --- The image ------------------------------------------------------------------------


def dockerfile_stages() -> list[list[tuple[str, str]]]:
    """The Dockerfile's instructions (continuation lines joined), per stage."""
    text = (ROOT / "Dockerfile").read_text()
    text = re.sub(r"\\\n", " ", text)
    stages: list[list[tuple[str, str]]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, rest = line.partition(" ")
        if instruction.upper() == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((instruction.upper(), rest.strip()))
    return stages


def test_dockerfile():
    stages = dockerfile_stages()
    assert len(stages) == 2
    arguments = (ROOT / "Dockerfile").read_text()
    assert re.search(r"ARG PYTHON_IMAGE=python:3\.11-slim-bookworm", arguments)
    builder, runtime = stages
    assert any(i == "RUN" and "pip wheel" in rest and " . " in f"{rest} " for i, rest in builder)
    runs = " ".join(rest for i, rest in runtime if i == "RUN")
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "fonts-dejavu-core"):
        assert package in runs, package
    assert "collectstatic" in runs and "PRODUCTION=true" in runs
    assert "from=builder" in runs
    envs = " ".join(rest for i, rest in runtime if i == "ENV")
    assert "SECRET_KEY" not in envs and "PRODUCTION" not in envs
    users = [rest for i, rest in runtime if i == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert ("EXPOSE", "8000") in runtime
    (healthcheck,) = [rest for i, rest in runtime if i == "HEALTHCHECK"]
    assert "/app/deploy/healthcheck.py" in healthcheck
    assert "/health/live/" in (DEPLOY / "healthcheck.py").read_text()
    assert ("ENTRYPOINT", '["/app/deploy/entrypoint.sh"]') in runtime
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "var", "deploy/compose.env", "deploy/certs", "**/*.env"} <= set(
        ignored
    )


@pytest.fixture
def fake_python(tmp_path) -> Path:
    """A ``python`` that prints its arguments, first on PATH."""
    folder = tmp_path / "bin"
    folder.mkdir()
    script = folder / "python"
    script.write_text('#!/bin/sh\necho "python $*"\n')
    script.chmod(0o755)
    return folder


def run_entrypoint(fake_python: Path, *args: str, **env: str) -> str:
    environ = {"PATH": f"{fake_python}:{os.environ['PATH']}", **env}
    result = subprocess.run(
        ["sh", str(DEPLOY / "entrypoint.sh"), *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_entrypoint_runs_each_role(fake_python):
    assert run_entrypoint(fake_python, "web") == (
        "python manage.py serve --host 0.0.0.0 --port 8000 --workers 2"
    )
    assert run_entrypoint(fake_python, "web", WEB_WORKERS="3").endswith("--workers 3")
    assert run_entrypoint(fake_python) == run_entrypoint(fake_python, "web")
    assert run_entrypoint(fake_python, "worker") == (
        "python manage.py run_huey --workers 4 --worker-type thread --no-periodic"
    )
    assert run_entrypoint(fake_python, "worker", TASK_WORKERS="8").startswith(
        "python manage.py run_huey --workers 8 "
    )
    assert run_entrypoint(fake_python, "scheduler") == (
        "python manage.py run_huey --workers 1 --worker-type thread"
    )
    assert run_entrypoint(fake_python, "migrate") == "python manage.py migrate --noinput"
    assert run_entrypoint(fake_python, "worker", "--verbose").endswith("--no-periodic --verbose")
    # Anything else runs as given.
    assert run_entrypoint(fake_python, "python", "manage.py", "shell") == ("python manage.py shell")
    assert run_entrypoint(fake_python, "echo", "hello") == "hello"


def load_healthcheck():
    spec = importlib.util.spec_from_file_location("deploy_healthcheck", DEPLOY / "healthcheck.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_healthcheck_finds_the_role_and_the_host(monkeypatch):
    health = load_healthcheck()
    assert health.role(["/usr/local/bin/python manage.py serve --host 0.0.0.0 "]) == "web"
    assert health.role(["python manage.py run_huey --workers 4 ", "sleep 5"]) == "worker"
    assert health.role(["python manage.py migrate --noinput "]) == "other"
    monkeypatch.setenv("ALLOWED_HOSTS", ".teranga.sn,api.teranga.sn")
    assert health.request_host() == "teranga.sn"
    monkeypatch.setenv("ALLOWED_HOSTS", "*")
    assert health.request_host() == "localhost"


def test_healthcheck_calls_the_liveness_url_with_an_allowed_host(tmp_path):
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append((self.path, self.headers["Host"]))
            self.send_response(200 if self.headers["Host"] == "api.teranga.sn" else 400)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/health/live/"
        health = load_healthcheck()
        for hosts, healthy in (("api.teranga.sn,localhost", True), ("example.org", False)):
            os.environ["ALLOWED_HOSTS"] = hosts
            health.LIVE_URL = url
            try:
                assert health.web_healthy() is healthy
            finally:
                del os.environ["ALLOWED_HOSTS"]
        assert seen == [("/health/live/", "api.teranga.sn"), ("/health/live/", "example.org")]
        health.LIVE_URL = "http://127.0.0.1:1/health/live/"  # nothing listens there
        assert health.web_healthy() is False
    finally:
        server.shutdown()
        server.server_close()


@mark_skip_on_leg(
    "postgresql", "collectstatic uses no database: it runs once, on the SQLite leg (~1 min)"
)
def test_collectstatic_as_the_image_build_runs_it(tmp_path):
    """The Dockerfile's step: PRODUCTION=true (manifest storage: every file that a CSS or
    JS file references must exist; then WhiteNoise compresses them all, the slow part), a
    throwaway SECRET_KEY, no database."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "S3_BUCKET", "DJANGO_SETTINGS_MODULE")
    }
    env |= {"PRODUCTION": "true", "SECRET_KEY": "collectstatic-only", "DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "static" / "staticfiles.json").exists()
