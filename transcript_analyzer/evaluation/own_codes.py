"""A researcher's own codes against the tool's, on the same turns of the same transcripts.

DATA is a CSV with `transcript_id`, `turn_index` and any of `question_type`, `reflection_type`,
`trust_label`, one row per coded turn (an empty cell means "not coded"). The transcripts are
scored as `score` scores them (same ids: the file stem, or the `transcript_id` of a long-format
file), and each code is compared turn by turn: precision, recall, F1 and Cohen's kappa per
label, the whole code (macro F1, kappa), and a confusion matrix per code.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ..classifier.model import LABELS
from ..errors import TranscriptReadError, UsageError

CODES = ("question_type", "reflection_type", "trust_label")
KEYS = ("transcript_id", "turn_index")
VALUES: dict[str, tuple[str, ...]] = {
    "question_type": ("open", "closed", "none"),
    "reflection_type": ("simple", "complex", "none"),
    "trust_label": LABELS,
}
NOT_LABELLED = "(not labelled)"  # the tool labels supporter turns only


def is_codes_header(columns: Sequence[str]) -> bool:
    """Whether a CSV header is one of these code files."""
    names = {c.strip().lower() for c in columns}
    return set(KEYS) <= names and bool(names & set(CODES))


def load_codes(path: str | Path) -> pd.DataFrame:
    """The codes, validated: errors name the file and the line."""
    source = str(path)
    try:
        codes = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise TranscriptReadError(source, f"cannot read the codes CSV ({exc})") from None
    codes.columns = [c.strip().lower() for c in codes.columns]
    missing = [k for k in KEYS if k not in codes.columns]
    present = [c for c in CODES if c in codes.columns]
    if missing or not present:
        raise TranscriptReadError(
            source, f"a codes file needs {', '.join(KEYS)} and at least one of "
            f"{', '.join(CODES)}; it has {', '.join(codes.columns)}", line=1)
    for row, value in enumerate(codes["turn_index"]):
        if not value.strip().isdigit():
            raise TranscriptReadError(source, f"turn_index {value!r} is not a whole number",
                                      line=row + 2)
    codes["turn_index"] = codes["turn_index"].astype(int)
    repeated = codes.duplicated(list(KEYS))
    if repeated.any():
        row = int(repeated.to_numpy().nonzero()[0][0])
        raise TranscriptReadError(
            source, f"turn {codes['turn_index'].iloc[row]} of {codes['transcript_id'].iloc[row]!r}"
            " is coded twice", line=row + 2)
    for code in present:
        codes[code] = codes[code].str.strip().str.lower()
        bad = codes[code].ne("") & ~codes[code].isin(VALUES[code])
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0])
            raise TranscriptReadError(
                source, f"{code} {codes[code].iloc[row]!r} is not one of "
                f"{', '.join(VALUES[code])} (leave the cell empty for a turn not coded)",
                line=row + 2)
    return codes[[*KEYS, *present]]


def compare(path: str | Path, codes: Sequence[str] | None = None, *,
            transcripts: Sequence[str] = (), model_dir: str | None = None,
            trust_model: bool = False, input_format: str | None = None,
            supporter: str | None = None) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Report rows (the columns of `metrics.REPORT_COLUMNS`) and a confusion matrix per code
    (rows: the researcher's code; columns: the tool's)."""
    from ..scoring import score
    from .metrics import REPORT_COLUMNS, code_rows

    if not transcripts:
        raise UsageError("comparing your codes with the tool's needs the transcripts they code "
                         "(--transcripts PATH)")
    human = load_codes(path)
    wanted = [c for c in (codes or CODES) if c in human.columns]
    if not wanted:
        raise UsageError(f"{path} has no column for {', '.join(codes or CODES)}")
    result = score(list(transcripts), model_dir=model_dir, trust_model=trust_model,
                   input_format=input_format, supporter=supporter)
    if not result.errors.empty:
        first = result.errors.iloc[0]
        raise UsageError(f"{len(result.errors)} transcript input(s) could not be scored, so "
                         f"their turns cannot be compared; first: {first['error']}")
    tool = result.utterances[[*KEYS, *wanted]].copy()
    tool["transcript_id"] = tool["transcript_id"].astype(str)
    joined = human.merge(tool, on=list(KEYS), how="left", suffixes=("", "_tool"),
                         indicator=True)
    unmatched = joined["_merge"].eq("left_only").to_numpy().nonzero()[0]
    if len(unmatched):
        row = int(unmatched[0])
        raise TranscriptReadError(
            str(path), f"turn {joined['turn_index'].iloc[row]} of transcript "
            f"{joined['transcript_id'].iloc[row]!r} is not in the transcripts given "
            f"({len(unmatched)} coded turn(s) are not; ids are file stems, or the "
            "transcript_id of a long-format file)", line=row + 2)
    rows: list[dict] = []
    matrices: dict[str, pd.DataFrame] = {}
    protocol = (f"tool ({'model ' + model_dir if model_dir else 'shipped model'}) vs your "
                "codes on the same turns")
    for code in wanted:
        coded = joined[joined[code] != ""]
        gold = coded[code].tolist()
        pred = coded[f"{code}_tool"].fillna(NOT_LABELLED).replace("", NOT_LABELLED).tolist()
        labels = list(VALUES[code])
        rows.extend(code_rows(gold, pred, code, labels, dataset=Path(path).name,
                              protocol=protocol))
        columns = labels + ([NOT_LABELLED] if NOT_LABELLED in pred else [])
        matrices[code] = pd.crosstab(pd.Series(gold, name="yours"),
                                     pd.Series(pred, name="tool")).reindex(
            index=labels, columns=columns, fill_value=0)
    return pd.DataFrame(rows, columns=list(REPORT_COLUMNS)), matrices


def evaluate(path: str | Path, codes: Sequence[str] = CODES, *, folds: int | None = None,
             **options: object) -> pd.DataFrame:
    """The report table alone, with the same interface as the other evaluations."""
    if folds:
        raise UsageError("--cv does not apply to your own codes: the tool's codes are compared "
                         "as they are")
    return compare(path, codes, **options)[0]
