"""The deployment files describe the production topology and agree with settings.py.

docker-compose.yml: PostgreSQL, Redis, gunicorn, a Celery worker and beat,
configured only through variables that config/settings.py actually reads.
Nothing here needs the database or Docker.
"""
import ast
import os
import re
import secrets
import shlex
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("web", "worker", "beat")
# What settings.py needs to run safely in production.
REQUIRED_IN_PRODUCTION = ("DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS")

_INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def interpolate(value: str) -> str:
    """Fill in ${VAR}, ${VAR:-default} and ${VAR:?message} the way compose would
    with none of the variables set, except that required ones get a stand-in."""

    def fill(match: re.Match) -> str:
        op = match.group("op") or ""
        if op.endswith("-"):
            return match.group("arg")
        return f"stand-in-for-{match.group('name').lower()}"

    return _INTERPOLATION.sub(fill, value)


def settings_variables() -> set[str]:
    """Names of the environment variables config/settings.py reads through django-environ:
    the first string argument of every env(...) / env.bool(...) / env.int(...) ... call."""
    tree = ast.parse((ROOT / "config" / "settings.py").read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        is_env_call = (isinstance(func, ast.Name) and func.id == "env") or (
            isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "env"
        )
        first = node.args[0]
        if is_env_call and isinstance(first, ast.Constant) and isinstance(first.value, str):
            names.add(first.value)
    return names


def command_line(service: dict) -> str:
    command = service.get("command", "")
    if isinstance(command, list):
        return " ".join(command)
    return command


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def test_compose_has_the_five_production_services(services):
    assert {"db", "redis", "web", "worker", "beat"} <= set(services)


def test_compose_runs_postgres_15_and_redis_7(services):
    assert services["db"]["image"].split(":") == ["postgres", "15"]
    assert services["redis"]["image"].split(":") == ["redis", "7"]
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in services["db"]["volumes"])


def test_compose_runs_web_on_gunicorn(services):
    command = command_line(services["web"])
    assert re.search(r"\bgunicorn config\.wsgi:application\b", command)
    assert "--bind 0.0.0.0:8000" in command
    # The schema and the static files are ready before gunicorn serves anything.
    assert command.index("manage.py migrate") < command.index("gunicorn")
    assert command.index("manage.py collectstatic --noinput") < command.index("gunicorn")


def test_compose_runs_a_celery_worker(services):
    assert re.match(r"celery -A config worker\b", command_line(services["worker"]))


def test_compose_runs_celery_beat(services):
    assert re.match(r"celery -A config beat\b", command_line(services["beat"]))


def test_app_services_are_built_from_the_dockerfile(services):
    for name in APP_SERVICES:
        assert services[name].get("build") in (".", {"context": "."}), name


def test_app_services_wait_for_healthy_db_and_redis(services):
    assert services["db"].get("healthcheck")
    assert services["redis"].get("healthcheck")
    for name in APP_SERVICES:
        depends_on = services[name]["depends_on"]
        for dependency in ("db", "redis"):
            assert depends_on[dependency]["condition"] == "service_healthy", (name, dependency)


def test_compose_sets_what_production_requires_on_web_worker_and_beat(services):
    for name in APP_SERVICES:
        env = environment(services[name])
        missing = [variable for variable in REQUIRED_IN_PRODUCTION if not env.get(variable)]
        assert not missing, f"{name} lacks {missing}"
        assert env["DEBUG"] == "0", name
        # The secret key has no default: compose refuses to start without one.
        assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]*\}", env["SECRET_KEY"]), name


def test_app_services_share_one_environment(services):
    environments = [environment(services[name]) for name in APP_SERVICES]
    assert environments[0] == environments[1] == environments[2]


def test_compose_database_url_is_postgres_on_the_db_service(services):
    for name in APP_SERVICES:
        url = urlsplit(interpolate(environment(services[name])["DATABASE_URL"]))
        assert url.scheme in ("postgres", "postgresql", "pgsql"), name
        assert url.hostname == "db", name
        assert url.path.strip("/"), f"{name}: DATABASE_URL names no database"
        assert url.username == services["db"]["environment"]["POSTGRES_USER"]
        assert url.path.strip("/") == services["db"]["environment"]["POSTGRES_DB"]


def test_compose_redis_url_is_the_redis_service(services):
    for name in APP_SERVICES:
        url = urlsplit(interpolate(environment(services[name])["REDIS_URL"]))
        assert url.scheme == "redis", name
        assert url.hostname == "redis", name


def test_every_app_variable_in_compose_is_read_by_settings(services):
    read = settings_variables()
    # Sanity check of the parser itself.
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "PRIVATE_ROOT"} <= read
    for name in APP_SERVICES:
        unknown = set(environment(services[name])) - read
        assert not unknown, f"{name} sets variables settings.py never reads: {sorted(unknown)}"


def test_private_files_live_on_a_volume_shared_by_web_and_worker(compose, services):
    for name in ("web", "worker"):
        private_root = environment(services[name])["PRIVATE_ROOT"]
        mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in services[name]["volumes"]}
        assert private_root in mounts, f"{name}: PRIVATE_ROOT {private_root} is not a volume"
        assert mounts[private_root] in compose["volumes"], f"{name}: PRIVATE_ROOT is not a named volume"


def test_dockerfile_builds_on_python_311_slim_bookworm_and_drops_root():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    bases = re.findall(r"^FROM\s+(\S+)", dockerfile, flags=re.MULTILINE)
    assert bases and all(base == "python:3.11-slim-bookworm" for base in bases)
    users = re.findall(r"^USER\s+(\S+)", dockerfile, flags=re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz0b", "fonts-noto-cjk"):
        assert package in dockerfile


def test_makefile_and_dockerfile_copy_front_end_files_with_the_same_script():
    assert "scripts/vendor.sh" in (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "scripts/vendor.sh" in (ROOT / "Dockerfile").read_text(encoding="utf-8")


def test_vendor_script_produces_every_vendor_file_the_templates_use(tmp_path):
    node_modules = ROOT / "node_modules"
    if not (node_modules / "bootstrap").is_dir():
        pytest.skip("node_modules is not installed (run `make install`)")
    dest = tmp_path / "vendor"
    subprocess.run(
        ["bash", str(ROOT / "scripts" / "vendor.sh"), str(node_modules), str(dest)],
        check=True,
        capture_output=True,
    )
    expected = {
        "bootstrap/bootstrap.min.css",
        "bootstrap/bootstrap.bundle.min.js",
        "bootstrap-icons/bootstrap-icons.min.css",
        "bootstrap-icons/fonts/bootstrap-icons.woff2",
        "bootstrap-icons/fonts/bootstrap-icons.woff",
        "htmx/htmx.min.js",
    }
    for template in (ROOT / "templates").rglob("*.html"):
        expected |= set(re.findall(r"""['"]vendor/([^'"]+)['"]""", template.read_text(encoding="utf-8")))
    missing = sorted(path for path in expected if not (dest / path).is_file())
    assert not missing


def run_deploy_check(variables: dict[str, str]) -> subprocess.CompletedProcess:
    # Only the given variables: none of the settings inherited from this shell.
    env = {key: value for key, value in os.environ.items() if key not in settings_variables()}
    env.update(variables)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_django_deploy_check_passes_with_production_settings():
    result = run_deploy_check(
        {"DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(45)[:60], "ALLOWED_HOSTS": "sanzi.example.cn"}
    )
    assert result.returncode == 0, (
        f"manage.py check --deploy failed ({shlex.join(result.args)}):\n{result.stdout}\n{result.stderr}"
    )


def test_django_deploy_check_passes_with_the_compose_environment(services):
    variables = {key: interpolate(value) for key, value in environment(services["web"]).items()}
    variables["SECRET_KEY"] = secrets.token_urlsafe(45)[:60]
    result = run_deploy_check(variables)
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"


def test_readme_documents_every_variable_settings_reads():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", readme, flags=re.MULTILINE))
    undocumented = sorted(settings_variables() - documented)
    assert not undocumented, f"README.md's configuration table lacks {undocumented}"
