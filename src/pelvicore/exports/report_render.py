"""HTML templates to PDF: the reports' Jinja2 environment and WeasyPrint, with nothing fetched from the network.

Templates live in ``exports/templates/`` (package data); ``report_base.html`` holds the A4 page, its footer
("Training feedback, not a diagnosis." and page X of Y) and the sources list every report ends with.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup

from pelvicore.errors import PelvicoreError
from pelvicore.exports.report_charts import unit_text

logger = logging.getLogger(__name__)


class ReportError(PelvicoreError):
    """A report cannot be made: no such session of hers, a session still running, a period out of range."""


def number(value: float | None, unit: str = "", digits: int = 1) -> str:
    """``value`` with ``digits`` decimals and its unit, or an em dash when there is none."""
    if value is None:
        return "—"
    text = f"{value:.{digits}f}"
    unit = unit_text(unit)
    return f"{text} {unit}" if unit else text


def css_string(text: str) -> Markup:
    """``text`` as the inside of a double-quoted CSS string (page headers are CSS ``content``, not HTML)."""
    escaped = "".join(c if c.isalnum() or c in " .,:;-_()/@+'" else f"\\{ord(c):x} " for c in str(text))
    return Markup(escaped)


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("pelvicore.exports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = number
    env.filters["unit"] = unit_text
    env.filters["css_string"] = css_string
    return env


def render_html(template: str, context: Mapping[str, Any]) -> str:
    """The report's HTML (handy to look at in a browser, and what the tests read without a PDF reader)."""
    return _environment().get_template(template).render(**context)


def render_pdf(template: str, context: Mapping[str, Any]) -> bytes:
    """Render ``template`` with ``context`` and lay it out as an A4 PDF.

    Returns
    -------
    bytes
        The PDF file.
    """
    import weasyprint  # slow to import: only when a report is made

    html = render_html(template, context)
    # Charts are data URIs and fonts the system's: a report fetches nothing from the network.
    fetcher = weasyprint.urls.URLFetcher(allowed_protocols={"data"})
    pdf = weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()
    assert isinstance(pdf, bytes)
    return pdf
