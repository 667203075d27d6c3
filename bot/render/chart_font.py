"""The font the charts' Chinese labels are drawn with: found on the machine, or the one a team names.

Looked for once per process, in this order: ``CHART_FONT_FILE`` (a .ttf/.otf/.ttc a team ships with its
deployment); the CJK families matplotlib already knows; the files fontconfig lists for Chinese
(``fc-list :lang=zh`` — a font installed after matplotlib built its cache is seen too); the usual font
directories. A candidate counts only if it really has the glyphs (边现收入转化率 checked in the file).
Without one, charts are still drawn (Chinese shows as boxes), the warning names the packages to install,
and ``/healthz`` says so (``chart_font``). ``make install`` installs ``fonts-wqy-microhei`` where it can.
"""

from __future__ import annotations

import glob
import logging
import os
import shutil
import subprocess
from functools import cache
from pathlib import Path

from matplotlib import font_manager
from matplotlib.ft2font import FT2Font
from pydantic import BaseModel

logger = logging.getLogger(__name__)

PROBE = "边现收入转化率告警"  # characters every chart title or label may carry
HINTS = ("Noto Sans CJK", "Noto Serif CJK", "Source Han Sans", "WenQuanYi", "Droid Sans Fallback",
         "Microsoft YaHei", "SimHei", "PingFang")  # fmt: skip
FONT_DIRS = (
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    str(Path.home() / ".fonts"),
    "/System/Library/Fonts",
)
INSTALL_HINT = (
    "install a CJK font (Debian/Ubuntu: apt-get install fonts-noto-cjk or fonts-wqy-microhei) or set "
    "CHART_FONT_FILE to a .ttf/.otf/.ttc file"
)


class ChartFont(BaseModel):
    cjk: bool
    family: str | None = None
    file: str | None = None
    source: str | None = None  # CHART_FONT_FILE | matplotlib | fontconfig | font directory
    reason: str | None = None  # why there is none (or why the configured file was not used)


def covers(path: str, text: str = PROBE) -> bool:
    """The font file has a glyph for every character of ``text``."""
    try:
        font = FT2Font(path)
    except (OSError, RuntimeError, ValueError):
        return False
    return all(font.get_char_index(ord(ch)) for ch in text)


_configured: str | None = None


def configure_font_file(path: str | None) -> None:
    """Use ``CHART_FONT_FILE`` from the settings (a ``.env`` too); forgets the font found before."""
    global _configured
    _configured = path
    chart_font.cache_clear()


@cache
def chart_font() -> ChartFont:
    configured = (_configured or os.environ.get("CHART_FONT_FILE", "")).strip()
    note = None
    if configured:
        if Path(configured).is_file() and covers(configured):
            return _use(configured, "CHART_FONT_FILE")
        note = f"CHART_FONT_FILE={configured} is not a font file with Chinese glyphs; looked elsewhere"
        logger.warning(note)
    for path, source in _candidates():
        if covers(path):
            found = _use(path, source)
            return found.model_copy(update={"reason": note}) if note else found
    logger.warning("no CJK font found for charts: Chinese labels will show as boxes (%s)", INSTALL_HINT)
    return ChartFont(cjk=False, reason=(note + "; " if note else "") + f"no CJK font found: {INSTALL_HINT}")


def _use(path: str, source: str) -> ChartFont:
    font_manager.fontManager.addfont(path)
    family = font_manager.FontProperties(fname=path).get_name()
    return ChartFont(cjk=True, family=family, file=path, source=source)


def _candidates() -> list[tuple[str, str]]:
    known = sorted(font_manager.fontManager.ttflist, key=lambda f: f.name)
    found = [(f.fname, "matplotlib") for hint in HINTS for f in known if f.name.startswith(hint)]
    found += [(path, "fontconfig") for path in _fontconfig_files()]
    for directory in FONT_DIRS:
        for pattern in ("**/*.ttc", "**/*.otf", "**/*.ttf"):
            found += [
                (path, "font directory")
                for path in sorted(glob.glob(f"{directory}/{pattern}", recursive=True))
                if any(
                    k in path.lower() for k in ("cjk", "wqy", "han", "droid", "hei", "song", "ming", "gothic")
                )
            ]
    return list(dict.fromkeys(found))


def _fontconfig_files() -> list[str]:
    if shutil.which("fc-list") is None:
        return []
    try:
        listed = subprocess.run(
            ["fc-list", ":lang=zh", "file"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return sorted({line.split(":")[0].strip() for line in listed.splitlines() if line.strip()})
