"""The service report's font: a TrueType CJK font that ReportLab embeds in the PDF as a subset of the
glyphs the report uses, so any viewer shows the text (a CID font such as ``STSong-Light`` is never embedded:
a viewer without it shows nothing).

The font is WenQuanYi Micro Hei (文泉驿微米黑, Apache License 2.0; TrueType ``glyf`` outlines, which
ReportLab can subset: it cannot embed the CFF outlines of Noto Sans SC or Source Han Sans), installed from
PyPI by the dependency ``paperang-p2-fonts-cjk`` (the file ``fonts/wqy-microhei.ttc``, face 0). A brand may
set ``ANXIN_REPORT_FONT`` to the path of its own TrueType font (``.ttf``, or ``.ttc`` for its first face).
Only when neither can be read does the report fall back to ``STSong-Light``, with a warning in the log."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import structlog

NAME = "AnxinCJK"
FALLBACK = "STSong-Light"
PACKAGE, PACKAGED_FILE = "paperang_p2_fonts_cjk", "fonts/wqy-microhei.ttc"
log = structlog.get_logger(__name__)


def font_file() -> Path | None:
    """The TrueType file the report embeds: ``ANXIN_REPORT_FONT`` when set, else the packaged font."""
    configured = os.environ.get("ANXIN_REPORT_FONT", "").strip()
    if configured:
        return Path(configured)
    try:
        path = Path(str(resources.files(PACKAGE).joinpath(PACKAGED_FILE)))
    except ModuleNotFoundError:
        return None
    return path if path.is_file() else None


def register() -> str:
    """The name of the registered report font (registered once per process): the embedded TrueType font,
    or the CID fallback when no TrueType file can be read."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    registered = pdfmetrics.getRegisteredFontNames()
    if NAME in registered:
        return NAME
    path = font_file()
    if path is not None:
        try:
            pdfmetrics.registerFont(TTFont(NAME, str(path), subfontIndex=0))
            return NAME
        except (OSError, TTFError) as error:
            log.warning("report_font_unreadable", path=str(path), error=f"{type(error).__name__}: {error}")
    else:
        log.warning("report_font_missing", package=PACKAGE)
    if FALLBACK not in registered:
        pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK))
    return FALLBACK
