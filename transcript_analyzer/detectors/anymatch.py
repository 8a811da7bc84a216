"""Which of several named sets of regular expressions match anywhere in a text, in one pass.

Detectors that only ask "does any pattern of this set match?" (ta_behaviours) pay one `re`
search per set per turn. With the optional `hyperscan` package (``pip install
"transcript-analyzer[fast]"``, Linux and macOS wheels only) every pattern it can run exactly as
Python's `re` does goes into one hyperscan database, and a turn is scanned once. The answer is
the same on both paths, by construction:

- a pattern goes into the database only if its parse tree (Python's own parse, `re._parser`)
  holds nothing but literals, character classes, ``\\b``/``\\B``, ``^``, groups without flags,
  alternations and greedy or lazy repeats; the tree is written back out in a form with no
  escape or class whose meaning differs between the two engines (each ASCII character as
  ``\\xHH``; ``\\s``, ``\\w`` and ``\\d`` as the ASCII characters Python's `re` itself matches
  with them). Lookarounds, backreferences, ``$``, possessive repeats, inline flags and non-ASCII
  literals stay on `re`, as do patterns that can match the empty string and any pattern
  hyperscan refuses;
- only ASCII text is scanned by hyperscan, where ``\\b`` and the classes mean the same in both;
  any other text, and the patterns kept on `re`, are searched with `re`;
- a boolean "matches anywhere" does not depend on leftmost-first or greedy choices, which are
  where the engines differ even for identical syntax.

The database is built (about 0.2 s) only once a matcher has been asked `AnyMatcher.COMPILE_AFTER`
times, so scoring one transcript starts as fast as before. Set the environment variable
``TRANSCRIPT_ANALYZER_NO_HYPERSCAN=1`` to force the pure-Python path; it is read when a matcher is
built, i.e. when the pipeline is built.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Mapping, Sequence
from typing import Any

try:  # Python >= 3.11
    from re import _constants as _sre
    from re import _parser as _sre_parse
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _sre  # type: ignore[no-redef]
    import sre_parse as _sre_parse  # type: ignore[no-redef]

NO_HYPERSCAN_ENV = "TRANSCRIPT_ANALYZER_NO_HYPERSCAN"


class _Unsupported(Exception):
    """A construct that is not written out for hyperscan: the pattern stays on `re`."""


def _ascii_set(regex: str) -> frozenset[int]:
    """The ASCII code points Python's `re` matches with `regex` on str (its meaning here)."""
    compiled = re.compile(regex)
    return frozenset(c for c in range(128) if compiled.fullmatch(chr(c)))


_ASCII = frozenset(range(128))
_CATEGORIES = {
    _sre.CATEGORY_DIGIT: _ascii_set(r"\d"),
    _sre.CATEGORY_NOT_DIGIT: _ascii_set(r"\D"),
    _sre.CATEGORY_SPACE: _ascii_set(r"\s"),
    _sre.CATEGORY_NOT_SPACE: _ascii_set(r"\S"),
    _sre.CATEGORY_WORD: _ascii_set(r"\w"),
    _sre.CATEGORY_NOT_WORD: _ascii_set(r"\W"),
}
# hyperscan's \b (without UCP) takes [0-9A-Za-z_] as word characters: Python's \w on ASCII.
_AT = {_sre.AT_BEGINNING: "^", _sre.AT_BEGINNING_STRING: "^", _sre.AT_BOUNDARY: r"\b",
       _sre.AT_NON_BOUNDARY: r"\B"}


def _class(codes: frozenset[int]) -> str:
    """A class of exactly `codes`: only ASCII text is scanned, so sets (and negations) are
    taken within ASCII and written out in full."""
    if not codes:
        raise _Unsupported("empty class")
    return "[" + "".join(f"\\x{c:02x}" for c in sorted(codes)) + "]"


def _in(items: list) -> str:
    codes: set[int] = set()
    negate = False
    for op, arg in items:
        if op is _sre.NEGATE:
            negate = True
        elif op is _sre.LITERAL:
            codes.add(arg)
        elif op is _sre.RANGE:
            codes.update(range(arg[0], min(arg[1], 127) + 1))
        elif op is _sre.CATEGORY and arg in _CATEGORIES:
            codes.update(_CATEGORIES[arg])
        else:
            raise _Unsupported(f"class item {op}")
    codes &= _ASCII
    return _class(frozenset(_ASCII - codes if negate else codes))


def _write(tree: Any) -> str:
    """PCRE text for a parsed `re` (sub)pattern, or `_Unsupported`."""
    out = []
    for op, arg in tree:
        if op is _sre.LITERAL:
            if arg >= 128:
                raise _Unsupported("non-ASCII literal")
            out.append(f"\\x{arg:02x}")
        elif op is _sre.NOT_LITERAL:
            out.append(_class(_ASCII - {arg}))
        elif op is _sre.IN:
            out.append(_in(arg))
        elif op is _sre.CATEGORY and arg in _CATEGORIES:
            out.append(_class(_CATEGORIES[arg]))
        elif op is _sre.AT and arg in _AT:
            out.append(_AT[arg])
        elif op is _sre.BRANCH:
            out.append("(?:" + "|".join(_write(b) for b in arg[1]) + ")")
        elif op is _sre.SUBPATTERN:
            _group, add_flags, del_flags, sub = arg
            if add_flags or del_flags:
                raise _Unsupported("inline flags")
            out.append("(?:" + _write(sub) + ")")
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT):
            low, high, sub = arg
            upper = "" if high is _sre.MAXREPEAT else str(high)
            out.append(f"(?:{_write(sub)}){{{low},{upper}}}")
        else:
            raise _Unsupported(f"construct {op}")
    return "".join(out)


def to_hyperscan(pattern: str) -> str | None:
    """`pattern` rewritten for hyperscan with the meaning Python's `re` gives it on ASCII text,
    or None when it holds anything that could match differently (it then stays on `re`)."""
    try:
        parsed = _sre_parse.parse(pattern)
        # A match of width 0 ("^", "\\B") depends on how each engine treats an empty text.
        if parsed.state.flags & ~_sre.SRE_FLAG_UNICODE or parsed.getwidth()[0] == 0:
            return None
        return _write(parsed)
    except (_Unsupported, re.error, AttributeError, TypeError, ValueError):
        return None


def hyperscan_wanted() -> bool:
    """False when TRANSCRIPT_ANALYZER_NO_HYPERSCAN is set to anything but '' or '0'."""
    return os.environ.get(NO_HYPERSCAN_ENV, "") in ("", "0")


def _import_hyperscan() -> Any | None:
    try:
        import hyperscan
    except ImportError:
        return None
    return hyperscan


def _alternation(patterns: Sequence[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


def _on_match(id_: int, start: int, end: int, flags: int, found: list[int]) -> None:
    found.append(id_)


class AnyMatcher:
    """For named sets of patterns, the names of the sets with a match anywhere in a text.

    `regexes` holds one compiled `re` alternation per set: the reference, used for non-ASCII
    text and whenever the hyperscan database is not there. With `use_hyperscan=None` (the
    default) the database is built only after `COMPILE_AFTER` calls, when hyperscan is
    installed and not switched off: building it costs about 0.2 s, which one transcript
    never pays back, so a cold start of `score` on one file stays as fast as it was. True
    builds it at once (and fails without hyperscan); False never builds it.
    """

    COMPILE_AFTER = 2048

    def __init__(self, sets: Mapping[str, Sequence[str]], use_hyperscan: bool | None = None
                 ) -> None:
        self.names = tuple(sets)
        self.regexes = {name: _alternation(patterns) for name, patterns in sets.items()}
        self._sets = {name: tuple(patterns) for name, patterns in sets.items()}
        self._database: Any = None
        self._rest: list[tuple[str, re.Pattern[str]]] = []
        self._pending = False
        self._countdown = self.COMPILE_AFTER
        if use_hyperscan is False or not hyperscan_wanted():
            if use_hyperscan:
                raise RuntimeError(f"hyperscan is switched off by {NO_HYPERSCAN_ENV}")
            return
        if use_hyperscan:
            hyperscan = _import_hyperscan()
            if hyperscan is None:
                raise RuntimeError("hyperscan is not installed (pip install "
                                   "'transcript-analyzer[fast]')")
            self._build(hyperscan)
        else:  # imported (about 13 ms) and built when the countdown ends
            self._pending = True

    @property
    def backend(self) -> str:
        """Which engine ASCII text goes to now: "hyperscan" or "re"."""
        return "hyperscan" if self._database is not None else "re"

    def _build(self, hyperscan: Any) -> None:
        flags = hyperscan.HS_FLAG_SINGLEMATCH
        written = [(index, name, pattern, to_hyperscan(pattern))
                   for index, (name, patterns) in enumerate(self._sets.items())
                   for pattern in patterns]

        def compile_(items: list) -> Any:
            database = hyperscan.Database()
            database.compile(expressions=[w.encode() for _, _, _, w in items],
                             ids=[index for index, _, _, _ in items],
                             flags=[flags] * len(items))
            return database

        good = [item for item in written if item[3] is not None]
        try:
            database = compile_(good) if good else None
        except hyperscan.error:  # one refused (e.g. it can match ""): find it, keep it on `re`
            good = [item for item in good if _compiles(compile_, item, hyperscan.error)]
            database = compile_(good) if good else None
        if database is None:
            return
        kept = {id(item) for item in good}
        rest: dict[str, list[str]] = {}
        for item in written:
            if id(item) not in kept:
                rest.setdefault(item[1], []).append(item[2])
        self._hyperscan = hyperscan
        self._local = threading.local()
        self._rest = [(name, _alternation(patterns)) for name, patterns in rest.items()]
        self._database = database

    def _scratch(self) -> Any:
        # A scratch space may be used by one scan at a time: one per thread.
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = self._hyperscan.Scratch(self._database)
        return scratch

    def matching(self, text: str, only: Sequence[str] | None = None) -> set[str]:
        """The names of the sets with at least one pattern matching somewhere in `text`
        (among `only`, when given: the others are then not searched on the `re` path)."""
        if self._pending:
            self._countdown -= 1
            if self._countdown <= 0:
                self._pending = False
                hyperscan = _import_hyperscan()
                if hyperscan is not None:
                    self._build(hyperscan)
        if self._database is None or not text.isascii():
            regexes = self.regexes
            return {name for name in (self.names if only is None else only)
                    if regexes[name].search(text)}
        found: list[int] = []
        if text:
            self._database.scan(text.encode("ascii"), match_event_handler=_on_match,
                                context=found, scratch=self._scratch())
        names = self.names
        hits = {names[i] for i in found}
        for name, regex in self._rest:
            if name not in hits and regex.search(text):
                hits.add(name)
        if only is not None:
            hits.intersection_update(only)
        return hits


def _compiles(compile_: Any, item: tuple, error: type) -> bool:
    try:
        compile_([item])
    except error:
        return False
    return True
