"""Drive the system's headless Chromium with Playwright for Python, for the map tests and bench/maps.py.

Playwright gives real clicks, typing, viewports and downloads; it is pointed at Debian's
``/usr/bin/chromium`` (``executable_path``) and never downloads a browser of its own. Every page records
what would make a map untrustworthy: console errors and warnings, uncaught exceptions, ``alert()``
dialogs, and every request that is not the file itself (maps must work offline).
"""

from __future__ import annotations

import contextlib
import io
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTH, HEIGHT = 1600, 1000
READY = "document.body && document.body.dataset.ready"


def chromium_path() -> str | None:
    """The Chromium binary (Debian's ``chromium``), or None when it or Playwright is not installed."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return None
    for name in ("/usr/bin/chromium", "chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class PageReport:
    """What happened while a page loaded, drew and was used."""

    url: str
    ready: bool = False
    load_seconds: float = 0.0
    console: list[tuple[str, str]] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    screenshot: bytes = b""
    values: dict[str, object] = field(default_factory=dict)

    @property
    def errors(self) -> list[str]:
        """Console errors and warnings, uncaught exceptions and dialogs."""
        return (
            [f"console.{lvl}: {text}" for lvl, text in self.console if lvl in ("error", "warning", "assert")]
            + [f"exception: {e}" for e in self.exceptions]
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
            raise RuntimeError("chromium (or playwright) is not installed")
        self.timeout = timeout

    def __enter__(self) -> Browser:
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        self.browser = self._pw.chromium.launch(
            executable_path=self.binary, headless=True, args=CHROMIUM_ARGS, timeout=self.timeout * 1000
        )
        return self

    def __exit__(self, *exc) -> None:
        with contextlib.suppress(Exception):
            self.browser.close()
        self._pw.stop()

    @contextlib.contextmanager
    def session(
        self, path: str | Path, width: int = WIDTH, height: int = HEIGHT, timeout: float | None = None
    ) -> Iterator[tuple[object, PageReport]]:
        """Open a file and wait until the map says it has drawn; yield (Playwright page, report)."""
        url = Path(path).resolve().as_uri() if not str(path).startswith("file:") else str(path)
        report = PageReport(url)
        context = self.browser.new_context(
            viewport={"width": width, "height": height}, accept_downloads=True, device_scale_factor=1
        )
        page = context.new_page()
        page.on("console", lambda m: report.console.append((m.type, m.text)))
        page.on("pageerror", lambda e: report.exceptions.append(str(e)))
        page.on("request", lambda r: report.requests.append(r.url))

        def dialog(d) -> None:
            report.dialogs.append(f"{d.type}: {d.message}")
            d.accept()

        page.on("dialog", dialog)
        start = time.monotonic()
        try:
            page.goto(url, wait_until="load", timeout=(timeout or self.timeout) * 1000)
            page.wait_for_function(READY, timeout=(timeout or self.timeout) * 1000)
            report.ready = True
        except Exception as exc:  # a page that never draws is reported, not raised
            report.exceptions.append(f"not ready: {exc}".splitlines()[0])
        report.load_seconds = time.monotonic() - start
        try:
            yield page, report
        finally:
            page.evaluate("1")  # let late console messages arrive
            context.close()

    def open(
        self,
        path: str | Path,
        ready_js: str = READY,
        values: dict[str, str] | None = None,
        timeout: float | None = None,
        width: int = WIDTH,
        height: int = HEIGHT,
    ) -> PageReport:
        """Load a file, wait until it has drawn, evaluate ``values`` and take a screenshot."""
        with self.session(path, width, height, timeout) as (page, report):
            for name, js in (values or {}).items():
                report.values[name] = page.evaluate(js)
            report.screenshot = page.screenshot()
        return report


def drawn_pixels(png: bytes, background: tuple[int, int, int] = (255, 255, 255)) -> tuple[int, float]:
    """(pixels that differ from the background, variance of grey levels) of a screenshot."""
    from PIL import Image, ImageChops, ImageStat

    image = Image.open(io.BytesIO(png)).convert("RGB")
    grey = image.convert("L")
    bg = Image.new("RGB", image.size, background)
    diff = ImageChops.difference(image, bg).convert("L").point(lambda v: 255 if v > 16 else 0)
    return int(ImageStat.Stat(diff).sum[0] // 255), float(ImageStat.Stat(grey).var[0])
