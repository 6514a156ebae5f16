"""--scheduler must be a Dask scheduler, answered within SCHEDULER_TIMEOUT_S; the local cluster admits no one else."""

from __future__ import annotations

import http.server
import threading
import time
import urllib.error
import urllib.request

import pytest

from engine.sweep import cluster
from engine.sweep.grid import SweepError
from featlearn_gui import cli

SWEEP = 'base = "paper"\n[set]\noptim.steps = 10\n[axes]\nseed = [0]\n'


def refused(tmp_path, capsys, address) -> str:
    (tmp_path / "s.toml").write_text(SWEEP)
    started = time.monotonic()
    assert cli.main(["sweep", str(tmp_path / "s.toml"), "--out", str(tmp_path / "o"), "--scheduler", address]) == 2
    assert time.monotonic() - started < cluster.SCHEDULER_TIMEOUT_S + 5
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in lines[0], lines
    assert not (tmp_path / "o").exists()
    return lines[0]


@pytest.mark.parametrize("address, words", [("", "--scheduler '': give a Dask scheduler's address"),
                                            ("http://127.0.0.1:1", "http:// is not a Dask scheduler address"),
                                            ("ws://127.0.0.1:1", "no Dask scheduler answers there"),
                                            ("tls://127.0.0.1:1", "no Dask scheduler answers there")])
def test_addresses_that_cannot_be_a_scheduler_are_one_line(tmp_path, capsys, address, words):
    assert words in refused(tmp_path, capsys, address)


def test_an_http_server_is_not_taken_for_a_scheduler(tmp_path, capsys):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # the server's own log is not the sweep's output
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        line = refused(tmp_path, capsys, f"tcp://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()
    assert "no Dask scheduler answers there" in line


def test_the_local_cluster_speaks_tls_to_its_own_and_serves_no_dashboard():
    with cluster.dask_client(1) as client:
        address = client.scheduler.address
        assert address.startswith("tls://")
        port = client.scheduler_info()["services"].get("dashboard")
        if port is not None:  # distributed always starts an HTTP server: it must serve nothing, and not on 8787
            assert port != 8787
            for route in ("/status", "/health", "/info/main/workers.html", "/metrics"):
                with pytest.raises(urllib.error.HTTPError, match="404"):
                    urllib.request.urlopen(f"http://127.0.0.1:{port}{route}", timeout=5)
        with pytest.raises(SweepError, match="no Dask scheduler answers there"):
            cluster.check_scheduler(address)  # a client without this cluster's certificate
        with pytest.raises(SweepError, match="no Dask scheduler answers there"):
            cluster.check_scheduler(address.replace("tls://", "tcp://"))
