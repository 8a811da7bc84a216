"""Stage 7, reports: feedback a trainer can hand over.

`feedback.build_feedback` chooses what to say (pure data); `terminal.render_terminal` prints it
to a rich Console passed in; `html.render_report` / `html.write_reports` make self-contained
HTML files and a batch `index.html`.
"""

from __future__ import annotations

from typing import Any

__all__ = ["build_feedback", "feedback_for_result", "render_terminal", "render_report",
           "render_index", "write_reports", "write_html", "ReportWriter"]

_LAZY = {
    "build_feedback": "feedback", "feedback_for_result": "feedback",
    "render_terminal": "terminal",
    "render_report": "html", "render_index": "html", "write_reports": "html",
    "write_html": "html", "ReportWriter": "html",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(name)
