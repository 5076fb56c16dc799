"""The web app in a real browser: Debian's Chromium, driven by web/e2e, against `taskflow dev`."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from functions.edge.security_headers import CONTENT_SECURITY_POLICY
from tests.e2e.conftest import BIN, ROOT, Server, Servers, clean_environment, free_port

WEB = ROOT / "web"
SCREENSHOTS = ROOT / "test-output" / "screenshots"
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
# The whole browser scenario; each of its steps has a limit of its own well below this.
BROWSER_RUN_TIMEOUT_SECONDS = 600
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# The browser scenario asks for a server restart by creating `restart` in this folder (named by
# TASKFLOW_SIGNALS); the test restarts `taskflow dev` on the same port and data, then creates
# `restarted`. Checked this often while the scenario runs.
SIGNAL_POLL_SECONDS = 0.2

SCREENS = [
    "01-sign-up",
    "02-project-list",
    "03-project-settings-members",
    "04-task-detail",
    "05-board",
    "06-bell-open",
    "07-settings",
    "08-notification-settings",
    "09-phone-list",
    "10-dark-board",
]


def _require_the_tools() -> str:
    """npx's path; a clear failure (never a skip) naming what installs anything missing."""
    npx = shutil.which("npx")
    needs = {
        "Node.js 20 (npx), which `.ci/run` requires": npx is not None,
        f"Chromium at {CHROMIUM}: `apt-get install -y --no-install-recommends chromium "
        "fonts-dejavu-core` (`.ci/run` installs it)": os.access(CHROMIUM, os.X_OK),
        "web/node_modules: `make web` (runs `npm ci` in web/)": (
            WEB / "node_modules" / "playwright-core" / "package.json"
        ).is_file(),
        "web/dist: `make web` (runs `npm run build` in web/)": (
            WEB / "dist" / "index.html"
        ).is_file(),
    }
    missing = [need for need, present in needs.items() if not present]
    if missing:
        pytest.fail("the browser tests need: " + "; ".join(missing), pytrace=False)
    assert npx is not None
    return npx


def _clear_old_screenshots() -> None:
    # Pictures of an earlier run must not pass for this one's.
    for picture in SCREENSHOTS.glob("**/*.png"):
        picture.unlink()


def test_two_people_use_taskflow_together_in_a_real_browser_and_each_main_screen_is_captured(
    servers: Servers, tmp_path: Path
) -> None:
    npx = _require_the_tools()
    # This test's own copy of the build: a rebuild meanwhile must not change it under the browser.
    web_dist = shutil.copytree(WEB / "dist", tmp_path / "web-dist")
    port = free_port()
    command = [str(BIN / "taskflow"), "dev", "--port", str(port)]
    env = clean_environment(
        TASKFLOW_ENV="dev",
        TASKFLOW_DATA_DIR=str(tmp_path / "data"),
        TASKFLOW_WEB_DIST=str(web_dist),
    )
    server = servers.start("taskflow-dev-web", command, port, env)

    def restart(old: Server, count: int) -> Server:
        servers.stop(old)
        return servers.start(f"taskflow-dev-web-restart-{count}", command, port, env)

    with server.client() as client:
        page = client.get("/")
    assert page.status_code == 200, page.text[:300]
    assert 'id="root"' in page.text, "taskflow dev does not serve the web app's build at /"
    # The scenario runs under the gateway's policy; web/e2e fails a step on any refusal.
    assert page.headers.get("content-security-policy") == CONTENT_SECURITY_POLICY

    _clear_old_screenshots()
    signals = tmp_path / "signals"
    signals.mkdir()
    log = tmp_path / "browser-scenario.log"
    with log.open("w") as sink:
        scenario = subprocess.Popen(
            [npx, "vitest", "run", "--config", "vitest.e2e.config.ts"],
            cwd=WEB,
            env=clean_environment(
                TASKFLOW_URL=server.base_url,
                TASKFLOW_SCREENSHOTS=str(SCREENSHOTS),
                TASKFLOW_SIGNALS=str(signals),
                # Where taskflow dev writes its mail (the embedded mode's <data dir>/mail):
                # the scenario follows the links in it.
                TASKFLOW_MAIL_DIR=str(tmp_path / "data" / "mail"),
                NO_COLOR="1",
                CI="1",
            ),
            stdout=sink,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            server = _serve_until_done(scenario, server, restart, signals)
        finally:
            if scenario.poll() is None:
                scenario.kill()
                scenario.wait()
    output = log.read_text(errors="replace")
    if scenario.returncode != 0:
        print("---- taskflow dev, its last lines ----")
        print(server.output()[-4000:])
    assert scenario.returncode == 0, (
        f"the browser scenario failed (exit {scenario.returncode}):\n{output}"
    )

    for name in SCREENS:
        picture = SCREENSHOTS / f"{name}.png"
        assert picture.is_file(), f"no screenshot {picture}"
        content = picture.read_bytes()
        assert content.startswith(PNG_SIGNATURE), f"{picture} is not a PNG"
        assert len(content) > 1000, f"{picture} is nearly empty ({len(content)} bytes)"


def _serve_until_done(
    scenario: subprocess.Popen[str],
    server: Server,
    restart: Callable[[Server, int], Server],
    signals: Path,
) -> Server:
    """Wait for the scenario to end, restarting the server (same port, same data) each time it
    asks; the server now running is returned."""
    deadline = time.monotonic() + BROWSER_RUN_TIMEOUT_SECONDS
    restarts = 0
    while scenario.poll() is None:
        if time.monotonic() > deadline:
            pytest.fail(f"the browser scenario ran past {BROWSER_RUN_TIMEOUT_SECONDS} s")
        request = signals / "restart"
        if request.exists():
            request.unlink()
            (signals / "restarted").unlink(missing_ok=True)
            restarts += 1
            server = restart(server, restarts)
            (signals / "restarted").write_text(str(restarts))
        time.sleep(SIGNAL_POLL_SECONDS)  # between polls of the scenario and the signal folder
    return server
