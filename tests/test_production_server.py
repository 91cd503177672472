"""Production serving as deploy/ runs it: migrate and collectstatic, then gunicorn with
deploy/gunicorn.conf.py answers the admin login and its static files (WhiteNoise) over real HTTP."""

import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")
BEHIND_THE_PROXY = {"X-Forwarded-Proto": "https"}  # what the TLS-terminating proxy adds


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def release(env):
    """deploy/release.sh, the Procfile's release step: check --deploy, migrate, collectstatic."""
    result = subprocess.run(["deploy/release.sh"], cwd=ROOT, env={**env, "PYTHON": sys.executable},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def start_gunicorn(env, port, log):
    return subprocess.Popen(
        [str(GUNICORN), "-c", "deploy/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )


def stop(server):
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def wait_for(server, url, log_path, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited with {server.returncode}:\n{log_path.read_text()}")
        try:
            return requests.get(url, headers=BEHIND_THE_PROXY, timeout=5, allow_redirects=False)
        except requests.ConnectionError:
            time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer within {seconds} s:\n{log_path.read_text()}")


@pytest.fixture
def site(production_env, tmp_path):
    """A production configuration on a fresh SQLite database and static root, on a free port."""
    port = free_port()
    env = {
        **production_env,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": "",
        "STATIC_ROOT": str(tmp_path / "static"),
        "SITE_URL": f"https://127.0.0.1:{port}",
        "ALLOWED_HOSTS": "127.0.0.1",
        "WEB_CONCURRENCY": "1",
        "WEB_THREADS": "2",
    }
    return env, port


def test_gunicorn_serves_the_admin_login_and_its_static_files(site, tmp_path):
    env, port = site
    released = release(env)
    assert "System check identified no issues" in released.stdout
    base = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "wb") as log:
        server = start_gunicorn(env, port, log)
    try:
        login = wait_for(server, f"{base}/admin/login/", log_path)
        assert login.status_code == 200, log_path.read_text()
        assert 'name="username"' in login.text
        assert 'name="csrfmiddlewaretoken"' in login.text
        assert login.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
        assert "Secure" in login.headers["Set-Cookie"]

        # The page links its stylesheets under their hashed names (the manifest collectstatic wrote).
        stylesheet = re.search(r'href="(/static/[\w/.-]+\.[0-9a-f]{12}\.css)"', login.text).group(1)
        css = requests.get(base + stylesheet, headers={**BEHIND_THE_PROXY, "Accept-Encoding": "gzip"}, timeout=5)
        assert css.status_code == 200
        assert css.headers["Content-Type"].startswith("text/css")
        assert css.headers["Content-Encoding"] == "gzip"  # WhiteNoise's precompressed copy
        assert "immutable" in css.headers["Cache-Control"]  # hashed name: cached forever
        collected = tmp_path / "static" / stylesheet.removeprefix("/static/")
        assert css.text == collected.read_text()  # the file collectstatic wrote, not an error page

        plain_http = requests.get(f"{base}/admin/login/", timeout=5, allow_redirects=False)
        assert plain_http.status_code == 301
        assert plain_http.headers["Location"] == f"https://127.0.0.1:{port}/admin/login/"

        assert requests.get(f"{base}/sandbox/faults/centra", headers=BEHIND_THE_PROXY, timeout=5).status_code == 404
    finally:
        stop(server)
    assert server.returncode == 0, log_path.read_text()


def test_gunicorn_refuses_to_serve_with_development_keys(site, tmp_path):
    env, port = site
    env = {**env, "SECRET_KEY": "dev-insecure-junipeer-secret-key-change-me"}
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "wb") as log:
        server = start_gunicorn(env, port, log)
    try:
        server.wait(timeout=30)
    finally:
        if server.poll() is None:
            stop(server)
    assert server.returncode != 0
    assert "Refusing to serve: junipeer.E001" in log_path.read_text()
