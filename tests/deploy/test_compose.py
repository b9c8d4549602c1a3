"""The deployment files hold together: compose services, commands and the image's build steps.

No Docker engine runs where the tests run, so `docker compose config` is replaced by a check of
the structure that the deployment guide (docs/deploy.md) relies on."""

from pathlib import Path

import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yml").read_text())


def test_postgresql_with_a_volume_app_workers_and_one_scheduler():
    services = compose()["services"]
    assert set(services) == {"db", "app", "scheduler"}
    db = services["db"]
    assert db["image"].startswith("postgres:") and ":latest" not in db["image"]
    assert any(v.startswith("pgdata:") for v in db["volumes"]) and "pgdata" in compose()["volumes"]
    assert "healthcheck" in db
    app = services["app"]
    assert app["command"][:2] == ["overblik", "serve"] and "--workers" in app["command"]
    assert services["scheduler"]["command"] == ["overblik", "scheduler"]
    for name in ("app", "scheduler"):
        url = services[name]["environment"]["OVERBLIK_DATABASE_URL"]
        assert url.startswith("postgresql+psycopg://") and "@db:5432/" in url
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"


def test_every_variable_compose_needs_is_in_the_example_env():
    text = (DEPLOY / "compose.yml").read_text()
    example = {line.split("=", 1)[0] for line in (DEPLOY / ".env.example").read_text().splitlines()
               if line and not line.startswith("#")}
    import re

    needed = set(re.findall(r"\$\{([A-Z_]+)", text))
    assert needed <= example | {"OVERBLIK_VERSION"}, needed - example


def test_the_image_installs_what_make_install_installs_and_runs_unprivileged():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    makefile = (DEPLOY.parent / "Makefile").read_text()
    assert "pip install --require-hashes -r requirements.lock" in dockerfile
    assert "pip install --quiet --require-hashes -r requirements.lock\n" in makefile
    assert "\nUSER overblik\n" in dockerfile and "HEALTHCHECK" in dockerfile
    base = [line for line in dockerfile.splitlines() if line.startswith("FROM ")]
    assert all(":" in line.split()[1] and "latest" not in line for line in base)


def test_files_beside_the_code_are_installed_with_it():
    import tomllib

    project = tomllib.loads((DEPLOY.parent / "pyproject.toml").read_text())
    data = project["tool"]["setuptools"]["package-data"]
    root = DEPLOY.parent
    for package, patterns in data.items():
        for pattern in patterns:
            assert list((root / package).glob(pattern)), f"{package}/{pattern} matches nothing"
    for package in ("core", "dashboard"):
        folders = {p.parent.relative_to(root / package) for p in (root / package).rglob("*")
                   if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts}
        for folder in folders:
            assert any(pattern.startswith(f"{folder}/") or folder == Path(".") for pattern in data.get(package, [])), (
                f"{package}/{folder} holds files that a built package would leave out"
            )


def test_the_image_is_healthy_only_when_ready_and_the_route_exists():
    from core.access import ROUTES

    dockerfile = (DEPLOY / "Dockerfile").read_text()
    check = next(line for line in dockerfile.splitlines() if "urlopen(" in line)
    path = "/" + check.split("127.0.0.1:8000/", 1)[1].split("'", 1)[0]
    assert path == "/api/v1/ready"
    assert ROUTES[("GET", path)][0] is None  # public: the health check carries no token
