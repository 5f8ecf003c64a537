"""Drive headless Chromium over the DevTools protocol, for the map tests and bench/maps.py.

Why the DevTools protocol over ``--remote-debugging-pipe`` (JSON messages ending in NUL on file
descriptors 3 and 4) rather than ``--enable-logging=stderr`` plus ``--screenshot``: the pipe gives
structured events with levels - console calls, uncaught exceptions, browser log entries, every
network request and every ``alert()`` dialog - and lets the test wait for the page to say it has
drawn, then take the screenshot, all within one bounded timeout. It needs no websocket client and
no open port, and dies with the browser.

Chromium is started with exactly the flags CI requires (no network on the machine) and a fresh
``--user-data-dir``; ``--remote-debugging-pipe`` and ``--window-size`` only add the control channel
and a fixed viewport.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REQUIRED_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTH, HEIGHT = 1280, 800


def chromium_path() -> str | None:
    """The Chromium binary (Debian's ``chromium``), or None when it is not installed."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class PageReport:
    """What happened while a page loaded and drew."""

    url: str
    ready: bool = False
    load_seconds: float = 0.0
    console: list[tuple[str, str]] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    log_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    screenshot: bytes = b""
    values: dict[str, object] = field(default_factory=dict)

    @property
    def errors(self) -> list[str]:
        """Console errors and warnings, uncaught exceptions, browser log errors and dialogs."""
        return (
            [f"console.{lvl}: {text}" for lvl, text in self.console if lvl in ("error", "warning", "assert")]
            + [f"exception: {e}" for e in self.exceptions]
            + [f"log: {e}" for e in self.log_errors]
            + [f"dialog: {d}" for d in self.dialogs]
        )

    @property
    def external_requests(self) -> list[str]:
        return [u for u in self.requests if not u.startswith(("file:", "data:", "about:", "blob:"))]


class Browser:
    """One headless Chromium; use as a context manager. Not thread-safe."""

    def __init__(self, binary: str | None = None, timeout: float = 60.0):
        self.binary = binary or chromium_path()
        if not self.binary:
            raise RuntimeError("chromium is not installed")
        self.timeout = timeout
        self._next_id = 0
        self._events: queue.Queue = queue.Queue()
        self._replies: dict[int, dict] = {}
        self._profile = tempfile.mkdtemp(prefix="sendgraph-chromium-")

    def __enter__(self) -> Browser:
        cmd_r, self._cmd_w = os.pipe()
        self._res_r, res_w = os.pipe()

        def wire_pipes() -> None:  # runs in the child before exec: DevTools reads fd 3, writes fd 4
            read, write = os.dup(cmd_r), os.dup(res_w)  # copies first: either pipe end may be fd 3 or 4
            os.dup2(read, 3)
            os.dup2(write, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)

        args = [
            self.binary,
            *REQUIRED_FLAGS,
            f"--user-data-dir={self._profile}",
            "--remote-debugging-pipe",
            f"--window-size={WIDTH},{HEIGHT}",
            "about:blank",
        ]
        self.proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=False,
            preexec_fn=wire_pipes,
        )
        os.close(cmd_r)
        os.close(res_w)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        return self

    def __exit__(self, *exc) -> None:
        with contextlib.suppress(Exception):
            self.call("Browser.close", timeout=5)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        with contextlib.suppress(OSError):
            os.close(self._cmd_w)
        shutil.rmtree(self._profile, ignore_errors=True)

    # ------------------------------------------------------------------ protocol
    def _read(self) -> None:
        buf = b""
        while True:
            try:
                chunk = os.read(self._res_r, 1 << 20)
            except OSError:
                break
            if not chunk:
                break
            buf += chunk
            while b"\0" in buf:
                raw, buf = buf.split(b"\0", 1)
                self._events.put(json.loads(raw))
        self._events.put(None)

    def _send(self, method: str, params: dict | None, session: str | None) -> int:
        self._next_id += 1
        msg: dict = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._cmd_w, json.dumps(msg).encode() + b"\0")
        return self._next_id

    def call(
        self,
        method: str,
        params: dict | None = None,
        session: str | None = None,
        timeout: float | None = None,
        on_event=None,
    ) -> dict:
        """Send a command and wait for its reply, handing events that arrive meanwhile to ``on_event``."""
        wanted = self._send(method, params, session)
        deadline = time.monotonic() + (timeout or self.timeout)
        while wanted not in self._replies:
            self._pump(deadline, on_event)
        reply = self._replies.pop(wanted)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def _pump(self, deadline: float, on_event) -> None:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("chromium did not answer in time")
        try:
            msg = self._events.get(timeout=left)
        except queue.Empty as exc:
            raise TimeoutError("chromium did not answer in time") from exc
        if msg is None:
            raise RuntimeError("chromium exited")
        if "id" in msg:
            self._replies[msg["id"]] = msg
        elif on_event:
            on_event(msg)

    # ------------------------------------------------------------------ pages
    def open(
        self,
        path: str | Path,
        ready_js: str = "document.body && document.body.dataset.ready",
        values: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> PageReport:
        """Load a file, wait until ``ready_js`` is truthy, evaluate ``values`` and take a screenshot."""
        url = Path(path).resolve().as_uri()
        report = PageReport(url)
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]

        def on_event(msg: dict) -> None:
            if msg.get("sessionId") != session:
                return
            method, p = msg.get("method"), msg.get("params", {})
            if method == "Runtime.consoleAPICalled":
                text = " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))
                report.console.append((p.get("type", ""), text))
            elif method == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                report.exceptions.append(d.get("exception", {}).get("description") or d.get("text", ""))
            elif method == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                report.log_errors.append(p["entry"].get("text", ""))
            elif method == "Page.javascriptDialogOpening":
                report.dialogs.append(f"{p.get('type')}: {p.get('message')}")
                self._send("Page.handleJavaScriptDialog", {"accept": True}, session)
            elif method == "Network.requestWillBeSent":
                report.requests.append(p.get("request", {}).get("url", ""))

        for domain in ("Runtime", "Log", "Page", "Network"):
            self.call(f"{domain}.enable", session=session, on_event=on_event)
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False},
            session=session,
            on_event=on_event,
        )
        start = time.monotonic()
        deadline = start + (timeout or self.timeout)
        self.call("Page.navigate", {"url": url}, session=session, on_event=on_event)
        while time.monotonic() < deadline:
            if self.evaluate(session, ready_js, on_event):
                report.ready = True
                break
            time.sleep(0.05)
        report.load_seconds = time.monotonic() - start
        for name, js in (values or {}).items():
            report.values[name] = self.evaluate(session, js, on_event)
        shot = self.call("Page.captureScreenshot", {"format": "png"}, session=session, on_event=on_event)
        report.screenshot = base64.b64decode(shot["data"])
        # Let late console messages arrive before closing the tab.
        self.evaluate(session, "1", on_event)
        self.call("Target.closeTarget", {"targetId": target}, on_event=on_event)
        return report

    def evaluate(self, session: str, expression: str, on_event=None) -> object:
        result = self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True},
            session=session,
            on_event=on_event,
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"evaluating {expression!r}: {result['exceptionDetails'].get('text')}")
        return result.get("result", {}).get("value")


def drawn_pixels(png: bytes, background: tuple[int, int, int] = (255, 255, 255)) -> tuple[int, float]:
    """(pixels that differ from the background, variance of grey levels) of a screenshot."""
    import io

    from PIL import Image, ImageStat

    image = Image.open(io.BytesIO(png)).convert("RGB")
    grey = image.convert("L")
    bg = Image.new("RGB", image.size, background)
    from PIL import ImageChops

    diff = ImageChops.difference(image, bg).convert("L").point(lambda v: 255 if v > 16 else 0)
    return int(ImageStat.Stat(diff).sum[0] // 255), float(ImageStat.Stat(grey).var[0])
