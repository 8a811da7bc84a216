"""Every error class has its own code, so a code names one kind of failure."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections import defaultdict

import transcript_analyzer
from transcript_analyzer.errors import TranscriptAnalyzerError


def _error_classes() -> set[type]:
    found = set()
    for module in pkgutil.walk_packages(transcript_analyzer.__path__, "transcript_analyzer."):
        if module.name.endswith(".__main__"):  # runs the command line when imported
            continue
        loaded = importlib.import_module(module.name)
        for _, value in inspect.getmembers(loaded, inspect.isclass):
            if issubclass(value, TranscriptAnalyzerError) and \
                    value.__module__.startswith("transcript_analyzer"):
                found.add(value)
    return found


def test_every_error_code_is_used_by_one_class():
    classes = _error_classes()
    names = {c.__name__ for c in classes}
    assert {"ResultsError", "NotOurFileError", "SessionsMetaError", "OutputInUseError"} <= names
    by_code = defaultdict(list)
    for cls in classes:
        by_code[cls.code].append(f"{cls.__module__}.{cls.__name__}")
    assert {code: sorted(v) for code, v in by_code.items() if len(v) > 1} == {}
