"""Render a mail's HTML in the system's headless Chromium: screenshot and layout checks.

Chromium is driven through its DevTools protocol over `--remote-debugging-pipe` (file
descriptors 3 and 4, NUL-terminated JSON): no port, no websocket library, no browser download.
The page never reaches the network: every request is intercepted; images get a grey placeholder
(so thumbnails show where they sit), anything else is refused. What `mail preview --screenshot`
and the browser tests measure is therefore the mail's own markup, the same on every machine.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

from storectl.errors import ConfigError, StorectlError
from storectl.mail.page import CHECKS_JS, LowContrast, PageReport, Screenshot, placeholder_png
from storectl.providers.shape import JSON, Object, dig, number, obj, objects, whole

#: Flags that work headless as root in a container: no sandbox (root), no GPU, no first-run or
#: background traffic (component updates, sync, QUIC probes), a fresh profile per browser.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--mute-audio",
    "--remote-debugging-pipe",
)
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class BrowserError(StorectlError):
    """Chromium started but failed, or did not answer in time."""


def find_chromium() -> str | None:
    """$STORECTL_CHROMIUM, else the first Chromium on PATH."""
    configured = os.environ.get("STORECTL_CHROMIUM", "").strip()
    if configured:
        return shutil.which(configured) or (configured if Path(configured).is_file() else None)
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


class Chromium:
    """One headless Chromium with one page; `with Chromium() as browser: browser.render(...)`."""

    def __init__(self, executable: str | None = None, timeout: float = 30.0) -> None:
        found = executable or find_chromium()
        if found is None:
            raise ConfigError(
                "no Chromium found to render the mail",
                hint="install it (Debian/Ubuntu: apt-get install chromium) or set "
                "STORECTL_CHROMIUM to a Chromium or Chrome binary",
            )
        self.executable = found
        self.timeout = timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._profile: str | None = None
        self._buffer = b""
        self._next_id = 0
        self._session: str | None = None
        self._image = base64.b64encode(placeholder_png()).decode()

    def __enter__(self) -> Chromium:
        self._profile = tempfile.mkdtemp(prefix="storectl-chromium-")
        log = open(Path(self._profile) / "chromium.log", "wb")  # noqa: SIM115 (closed below)
        # Chromium speaks the protocol on fds 3 (in) and 4 (out): the shell moves our two
        # pipes there, so no preexec_fn (unsafe with threads) is needed.
        command = [
            "/bin/sh",
            "-c",
            'exec "$@" 3<&0 4>&1 </dev/null >/dev/null',
            "sh",
            self.executable,
            *FLAGS,
            f"--user-data-dir={self._profile}",
            "about:blank",
        ]
        try:
            self._proc = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log
            )
        except OSError as exc:
            raise BrowserError(f"cannot start {self.executable}: {exc}") from None
        finally:
            log.close()
        try:
            target = _need(self.call("Target.createTarget", {"url": "about:blank"}), "targetId")
            attached = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})
            self._session = str(_need(attached, "sessionId"))
            self.call("Page.enable")
            self.call(
                "Fetch.enable", {"patterns": [{"urlPattern": "*", "requestStage": "Request"}]}
            )
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Ask Chromium to quit, wait for it (kill it after 5 s), remove its profile."""
        proc = self._proc
        if proc is not None:
            try:
                self._write({"id": self._new_id(), "method": "Browser.close"})
            except OSError:
                pass
            self._proc = None
            for stream in (proc.stdin, proc.stdout):
                if stream is not None:
                    stream.close()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._profile is not None:
            shutil.rmtree(self._profile, ignore_errors=True)
            self._profile = None

    # --- the protocol ---------------------------------------------------------------------

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _write(self, message: Object) -> None:
        assert self._proc is not None and self._proc.stdin is not None
        self._proc.stdin.write(json.dumps(message).encode() + b"\0")
        self._proc.stdin.flush()

    def _read(self, deadline: float) -> Object:
        """The next message from Chromium, or BrowserError when it dies or the deadline passes."""
        assert self._proc is not None and self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError(
                    f"Chromium did not answer within {self.timeout:g} s",
                    hint="check that it starts: chromium --headless --no-sandbox --dump-dom "
                    "about:blank",
                )
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            data = os.read(fd, 1 << 20)
            if not data:
                raise BrowserError(
                    f"Chromium exited: {self._log_tail()}",
                    hint="run it by hand to see why: chromium --headless --no-sandbox about:blank",
                )
            self._buffer += data
        raw, _, self._buffer = self._buffer.partition(b"\0")
        message = obj(json.loads(raw))
        if message is None:
            raise BrowserError(f"Chromium sent a message that is not an object: {raw[:60]!r}")
        return message

    def _log_tail(self) -> str:
        if self._profile is None:
            return "no log"
        try:
            lines = (Path(self._profile) / "chromium.log").read_text(errors="replace").splitlines()
        except OSError:
            return "no log"
        return " / ".join(line for line in lines[-3:] if line.strip()) or "no output"

    def call(self, method: str, params: Object | None = None) -> Object:
        """Send one command (to the page once attached) and return its result; events that
        arrive meanwhile are handled (intercepted requests answered)."""
        message: Object = {"id": self._new_id(), "method": method, "params": params or {}}
        if self._session is not None and not method.startswith(("Target.", "Browser.")):
            message["sessionId"] = self._session
        self._write(message)
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == message["id"]:
                if "error" in reply:
                    raise BrowserError(
                        f"Chromium refused {method}: {dig(reply, 'error', 'message')}"
                    )
                return obj(reply.get("result", {})) or {}
            if reply.get("method") == "Fetch.requestPaused":
                session = reply.get("sessionId")
                self._answer_request(
                    obj(_need(reply, "params")) or {}, session if isinstance(session, str) else None
                )

    def _answer_request(self, params: Object, session: str | None) -> None:
        """Images get the placeholder; the page itself goes on; nothing reaches the network."""
        url = dig(params, "request", "url")
        answer: Object = {"requestId": _need(params, "requestId")}
        if str(url or "").startswith(("data:", "about:")):
            method = "Fetch.continueRequest"
        elif params.get("resourceType") == "Image":
            method = "Fetch.fulfillRequest"
            answer.update(
                responseCode=200,
                responseHeaders=[{"name": "Content-Type", "value": "image/png"}],
                body=self._image,
            )
        else:
            method = "Fetch.failRequest"
            answer["errorReason"] = "BlockedByClient"
        reply: Object = {"id": self._new_id(), "params": answer, "method": method}
        if session is not None:
            reply["sessionId"] = session
        self._write(reply)  # its answer is read (and ignored) by the next call

    # --- pages ----------------------------------------------------------------------------

    def render(
        self, html: str, width: int, *, dark: bool = False, screenshot: bool = False
    ) -> PageReport:
        """Lay `html` out at `width` CSS pixels in the light or dark scheme; measure it, and
        take a full-page PNG when asked."""
        scheme = "dark" if dark else "light"
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": 600, "deviceScaleFactor": 1, "mobile": False},
        )
        self.call(
            "Emulation.setEmulatedMedia",
            {"media": "screen", "features": [{"name": "prefers-color-scheme", "value": scheme}]},
        )
        frame = _need(self.call("Page.getFrameTree"), "frameTree", "frame", "id")
        self.call("Page.setDocumentContent", {"frameId": frame, "html": html})
        found = self.call(
            "Runtime.evaluate",
            {"expression": CHECKS_JS, "awaitPromise": True, "returnByValue": True},
        )
        if "exceptionDetails" in found:
            raise BrowserError(f"the page checks failed: {dig(found, 'exceptionDetails', 'text')}")
        facts = obj(_need(found, "result", "value")) or {}
        image = None
        if screenshot:
            shot = self.call(
                "Page.captureScreenshot",
                {
                    "format": "png",
                    "captureBeyondViewport": True,
                    "clip": {
                        "x": 0,
                        "y": 0,
                        "width": width,
                        "height": max(1, whole(_need(facts, "height"))),
                        "scale": 1,
                    },
                },
            )
            image = base64.b64decode(str(_need(shot, "data")))
        return _report(facts, width, dark, image)


def _need(value: JSON, *keys: str) -> JSON:
    """The value at `keys` in Chromium's answer; one missing is a BrowserError naming it."""
    for key in keys:
        found = value.get(key) if isinstance(value, dict) else None
        if found is None:
            raise BrowserError(f"Chromium answered without `{key}` (at {'.'.join(keys)})")
        value = found
    return value


def _report(facts: Object, width: int, dark: bool, image: bytes | None) -> PageReport:
    """What CHECKS_JS measured, as a PageReport (each fact read with its type)."""
    low = [
        LowContrast(
            text=str(item.get("text")),
            ratio=float(number(item.get("ratio")) or 0),
            color=str(item.get("color")),
            background=str(item.get("background")),
        )
        for item in objects(_need(facts, "low_contrast"))
    ]
    missing_alt = _need(facts, "images_without_alt")
    return PageReport(
        width=width,
        dark=dark,
        scroll_width=whole(_need(facts, "scroll_width")),
        height=whole(_need(facts, "height")),
        images=whole(facts.get("images")),
        images_without_alt=tuple(str(src) for src in missing_alt)
        if isinstance(missing_alt, list)
        else (),
        text_nodes=whole(facts.get("text_nodes")),
        low_contrast=tuple(low),
        text=str(facts.get("text") or ""),
        screenshot=image,
    )


def screenshot(html: str, path: Path, width: int, dark: bool, timeout: float) -> Screenshot:
    """`mail preview --screenshot`: write the PNG, return what the browser measured."""
    if not path.parent.is_dir():
        raise ConfigError(f"{path.parent} is not a folder", hint="name a PNG in an existing folder")
    with Chromium(timeout=timeout) as browser:
        report = browser.render(html, width, dark=dark, screenshot=True)
    assert report.screenshot is not None
    path.write_bytes(report.screenshot)
    return {
        "path": str(path),
        "width": report.width,
        "dark": report.dark,
        "height": report.height,
        "scroll_width": report.scroll_width,
        "overflows": report.overflows,
        "images_without_alt": list(report.images_without_alt),
        "low_contrast": list(report.low_contrast),
    }
