"""What a mail's page is measured for in Chromium (`mail/browser.py` drives the browser): the
script run in the page, the facts it returns (`PageReport`), and the placeholder every image
request gets."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from typing import TypedDict

#: WCAG AA contrast for body text.
MIN_CONTRAST = 4.5


def placeholder_png(size: int = 96, rgb: tuple[int, int, int] = (212, 212, 216)) -> bytes:
    """A small solid PNG, written by hand: what an intercepted image request gets."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    row = b"\x00" + bytes(rgb) * size
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * size, 9))
        + chunk(b"IEND", b"")
    )


class LowContrast(TypedDict):
    """A text node whose contrast with its background is below MIN_CONTRAST (CHECKS_JS)."""

    text: str
    ratio: float
    color: str
    background: str


class Screenshot(TypedDict):
    """What `mail preview --screenshot` reports (its JSON keys)."""

    path: str
    width: int
    dark: bool
    height: int
    scroll_width: int
    overflows: bool
    images_without_alt: list[str]
    low_contrast: list[LowContrast]


@dataclass(frozen=True)
class PageReport:
    """What one rendering showed: the layout facts the browser tests assert on."""

    width: int
    dark: bool
    scroll_width: int
    height: int
    images: int
    images_without_alt: tuple[str, ...]
    text_nodes: int
    low_contrast: tuple[LowContrast, ...]
    #: the text a reader sees (innerText: what display:none hides is not in it)
    text: str = ""
    screenshot: bytes | None = field(default=None, repr=False)

    @property
    def overflows(self) -> bool:
        return self.scroll_width > self.width


# Measured in the page: document scroll width, images without alt text, and the WCAG contrast of
# every rendered text node against its nearest opaque background (alpha blended).
CHECKS_JS = r"""
(async () => {
  await Promise.all([...document.images].map(i => i.complete ? null :
    new Promise(done => { i.addEventListener('load', done); i.addEventListener('error', done); })));
  const parse = c => {
    const m = /rgba?\(([^)]+)\)/.exec(c || '');
    if (!m) return null;
    const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const dark = matchMedia('(prefers-color-scheme: dark)').matches;
  const canvas = dark ? [18, 18, 18, 1] : [255, 255, 255, 1];
  const background = el => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c[3] >= 1) return c;
    }
    return canvas;
  };
  const lin = v => {
    v /= 255;
    return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
  };
  const lum = c => 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
  const low = [];
  let checked = 0;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const text = node.textContent.replace(/[\s\u034f\u200c\u00a0]+/g, ' ').trim();
    const el = node.parentElement;
    if (!text || !el) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    if (![...range.getClientRects()].some(r => r.width > 0 && r.height > 0)) continue;
    const style = getComputedStyle(el);
    if (style.visibility !== 'visible') continue;
    const bg = background(el);
    const fg = parse(style.color);
    const seen = [0, 1, 2].map(i => fg[i] * fg[3] + bg[i] * (1 - fg[3]));
    const [a, b] = [lum(seen), lum(bg)];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    checked += 1;
    if (ratio < %(min)s) {
      low.push({text: text.slice(0, 60), ratio: Math.round(ratio * 100) / 100,
                color: style.color, background: `rgb(${bg.slice(0, 3).join(', ')})`});
    }
  }
  const root = document.documentElement;
  return {
    scroll_width: Math.max(root.scrollWidth, document.body.scrollWidth),
    height: Math.ceil(Math.max(root.scrollHeight, document.body.scrollHeight)),
    images: document.images.length,
    images_without_alt: [...document.images]
      .filter(i => !(i.getAttribute('alt') || '').trim()).map(i => i.getAttribute('src') || ''),
    text_nodes: checked,
    low_contrast: low,
    text: document.body.innerText,
  };
})()
""".replace("%(min)s", str(MIN_CONTRAST))
