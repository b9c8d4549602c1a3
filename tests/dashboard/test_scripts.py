"""Every web worker serves the dashboard's scripts from its first request on: with several
workers the page and its scripts are often served by different ones, and a browser asks for
the scripts over several connections at once."""

from __future__ import annotations

import re

from core.database import get_engine
from dashboard.app import create_dashboard


def _scripts(dash) -> list[str]:
    with dash.server.test_request_context("/"):
        return re.findall(r'src="([^"]*_dash-component-suites[^"]+)"', dash._generate_scripts_html())


def test_a_new_worker_knows_every_script_before_its_first_request(settings):
    engine = get_engine(settings.database_url)
    scripts = _scripts(create_dashboard(settings, engine))
    assert len(scripts) >= 3, scripts
    fresh = create_dashboard(settings, engine)
    known = {(package, path) for package, paths in fresh.registered_paths.items() for path in paths}
    for src in scripts:
        package, fingerprinted = src.split("/_dash-component-suites/", 1)[1].split("/", 1)
        unfingerprinted = re.sub(r"\.v[\w-]+m\d+\.", ".", fingerprinted)
        assert (package, unfingerprinted) in known, src
