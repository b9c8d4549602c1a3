"""`overblik demo` on a port another program holds: refused before anything is built."""

from __future__ import annotations

import socket

from typer.testing import CliRunner

from api.cli import app as cli


def test_a_taken_port_is_named_before_the_demo_builds_anything(tmp_path):
    folder = tmp_path / "demo"
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = CliRunner().invoke(cli, ["demo", "--port", str(port), "--folder", str(folder), "--cases", "10"])
    assert result.exit_code == 2
    assert f"Port {port}" in result.output and "already in use" in result.output and "--port" in result.output
    assert "Preparing" not in result.output and "sign in as" not in result.output
    assert not folder.exists()
