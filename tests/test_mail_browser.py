"""The real-browser tier: every event's mail laid out by headless Chromium at 320, 360 and 700 px,
light and dark. Asserts no horizontal overflow, alt text on every image and >= 4.5:1 contrast
for every text node; screenshots go to reports/mail/ (git-ignored).

STORECTL_UPDATE_DOCS=1 also refreshes the README's PNGs in docs/mail/ from the same run.
Skips only when no Chromium is installed (scripts/test installs Debian's), never under CI=true.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

from storectl.mail import render as mail
from storectl.mail.browser import Chromium, find_chromium
from storectl.mail.page import PageReport
from tests.conftest import REPO, run, write

TEMPLATES = ["order-placed", "order-shipped", "order-delivered", "order-canceled"]
WIDTHS = [320, 360, 700]
REPORT = REPO / "reports" / "mail"
DOCS = REPO / "docs" / "mail"
README_WIDTHS = (360, 700)
#: read at import: the autouse isolated_env fixture clears the environment before each test
UPDATE_DOCS = os.environ.get("STORECTL_UPDATE_DOCS") == "1"


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    if find_chromium() is None:
        reason = "no Chromium installed: scripts/test installs Debian's chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true: the browser tier must run)")
        pytest.skip(reason)
    with Chromium(timeout=60) as chromium:
        yield chromium


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def rendered(template: str) -> str:
    tpl = mail.Templates(storefront_url="https://shop.example.com")
    return tpl.render(template, mail.sample_order(), "Acme Outfitters").html


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("template", TEMPLATES)
def test_layout_alt_text_and_contrast(
    browser: Chromium, template: str, width: int, dark: bool
) -> None:
    page = browser.render(rendered(template), width, dark=dark, screenshot=True)
    assert page.screenshot is not None
    scheme = "dark" if dark else "light"
    REPORT.mkdir(parents=True, exist_ok=True)
    (REPORT / f"{template}-{width}-{scheme}.png").write_bytes(page.screenshot)
    if UPDATE_DOCS and width in README_WIDTHS and not dark:
        DOCS.mkdir(parents=True, exist_ok=True)
        (DOCS / f"{template}-{width}.png").write_bytes(page.screenshot)

    assert png_size(page.screenshot) == (width, page.height)
    assert page.scroll_width <= width, f"{page.scroll_width} px wide in a {width} px window"
    assert page.images == 2 and page.images_without_alt == ()
    assert page.text_nodes > 15  # the contrast check saw the mail, not an empty page
    assert page.low_contrast == (), page.low_contrast


@pytest.mark.parametrize("width", WIDTHS)
def test_narrow_screens_stack_each_item(browser: Chromium, width: int) -> None:
    page = browser.render(rendered("order-placed"), width)
    narrow = "2 × $49.90 = $99.80" in page.text
    columns = "Qty" in page.text and "Price" in page.text
    if width <= 480:
        assert narrow and not columns
    else:
        assert columns and not narrow


def test_the_dark_scheme_is_dark(browser: Chromium) -> None:
    """The dark palette applies (the contrast test alone would pass on a light page)."""
    light = browser.render(rendered("order-placed"), 360)
    dark = browser.render(rendered("order-placed"), 360, dark=True)
    assert light.low_contrast == dark.low_contrast == ()
    assert light.screenshot is None  # only when asked
    shot = browser.render(rendered("order-placed"), 360, dark=True, screenshot=True).screenshot
    assert shot is not None
    # the top-left pixel row of the PNG is the page background: decode the first row only
    assert _first_pixel(shot) == (9, 9, 11)
    light_shot = browser.render(rendered("order-placed"), 360, screenshot=True).screenshot
    assert light_shot is not None and _first_pixel(light_shot) == (244, 244, 245)


def _first_pixel(png: bytes) -> tuple[int, int, int]:
    """RGB of the first pixel of a Chromium PNG (8-bit RGB or RGBA, filter on row 0)."""
    import zlib

    pos, data, channels = 8, b"", 3
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos : pos + 8])
        body = png[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            channels = {2: 3, 6: 4}[body[9]]
        elif kind == b"IDAT":
            data += body
        pos += 12 + length
    raw = zlib.decompressobj().decompress(data, 1 + channels)
    return raw[1], raw[2], raw[3]  # filter 0 or 1 leave the first pixel as is


# --- the checks can fail ------------------------------------------------------------------------


def test_low_contrast_and_overflow_and_missing_alt_are_caught(browser: Chromium) -> None:
    bad = (
        '<html><body style="background:#ffffff">'
        '<p style="color:#aaaaaa">pale grey on white</p>'
        '<table width="900" style="width:900px"><tr><td>too wide</td></tr></table>'
        '<img src="https://cdn.example.com/x.png" width="10" height="10">'
        "</body></html>"
    )
    page: PageReport = browser.render(bad, 360)
    assert page.overflows and page.scroll_width >= 900
    assert page.images_without_alt == ("https://cdn.example.com/x.png",)
    assert [c["text"] for c in page.low_contrast] == ["pale grey on white"]
    assert page.low_contrast[0]["ratio"] < 4.5


def test_a_light_only_override_fails_in_dark_mode(browser: Chromium) -> None:
    """An override that sets a dark text colour with !important breaks the dark palette."""
    html = rendered("order-placed").replace(
        "</style>", ".content { color: #3f3f46 !important; }</style>", 1
    )
    assert browser.render(html, 700).low_contrast == ()
    assert browser.render(html, 700, dark=True).low_contrast != ()


# --- the command --------------------------------------------------------------------------------


@pytest.mark.parametrize(("width", "dark"), [(360, True), (700, False)])
def test_preview_screenshot(browser: Chromium, tmp_path: Path, width: int, dark: bool) -> None:
    png = tmp_path / "mail.png"
    args = ["--width", str(width), *(["--dark"] if dark else [])]
    result = run(
        "mail",
        "preview",
        "order.placed",
        "--sample",
        "--out",
        str(tmp_path),
        "--screenshot",
        str(png),
        *args,
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert str(png) in data["files"]
    shot = data["screenshot"]
    assert (shot["width"], shot["dark"], shot["overflows"]) == (width, dark, False)
    assert shot["low_contrast"] == [] and shot["images_without_alt"] == []
    assert png_size(png.read_bytes()) == (width, shot["height"])
    assert 0 < data["html_bytes"] < 102 * 1024


def test_preview_screenshot_reports_problems(browser: Chromium, tmp_path: Path) -> None:
    override = tmp_path / "mail"
    write(
        override / "order-placed.html.j2",
        '<html><body><p style="color:#bbbbbb">faint</p><img src="a.png"></body></html>\n',
    )
    result = run(
        "mail",
        "preview",
        "order.placed",
        "--sample",
        "--templates",
        str(override),
        "--out",
        str(tmp_path),
        "--screenshot",
        str(tmp_path / "m.png"),
    )
    assert result.exit_code == 0, result.stderr
    assert "low contrast" in result.stdout and "'faint'" in result.stdout
    assert "image without alt text: a.png" in result.stdout


def test_preview_screenshot_without_chromium(tmp_path: Path) -> None:
    result = run(
        "mail",
        "preview",
        "order.placed",
        "--sample",
        "--out",
        str(tmp_path),
        "--screenshot",
        str(tmp_path / "m.png"),
        env={"STORECTL_CHROMIUM": str(tmp_path / "no-such-chromium")},
    )
    assert result.exit_code == 2
    assert "no Chromium found" in result.stderr and "apt-get install chromium" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "m.png").exists()


def test_preview_width_out_of_range(tmp_path: Path) -> None:
    result = run(
        "mail",
        "preview",
        "order.placed",
        "--sample",
        "--out",
        str(tmp_path),
        "--screenshot",
        str(tmp_path / "m.png"),
        "--width",
        "5",
    )
    assert result.exit_code == 2


# --- the mail page's pictures (docs/mail.md) ----------------------------------------------------


def test_the_mail_page_shows_the_four_mails_at_360_and_700() -> None:
    readme = (REPO / "docs" / "mail.md").read_text()
    for template in TEMPLATES:
        for width in README_WIDTHS:
            path = DOCS / f"{template}-{width}.png"
            assert f'src="mail/{path.name}"' in readme
            data = path.read_bytes()
            assert png_size(data)[0] == width
            assert len(data) < 120_000
