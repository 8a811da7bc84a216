"""Agreement between predicted and human codes: precision, recall, F1 and Cohen's kappa.

Plain functions over label sequences, so any evaluation (AnnoMI, ESConv, jargon) reports the same
figures the same way. Undefined ratios (no predictions, no gold cases) are NaN, never 0.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence

NAN = float("nan")

REPORT_COLUMNS = ("dataset", "protocol", "code", "label", "precision", "recall", "f1", "kappa",
                  "false_alarm_rate", "support", "predicted", "n")


def _div(a: float, b: float) -> float:
    return a / b if b else NAN


def prf(gold: Sequence[Hashable], pred: Sequence[Hashable], positive: Hashable
        ) -> tuple[float, float, float]:
    """Precision, recall and F1 of one label, treating every other label as negative."""
    if len(gold) != len(pred):
        raise ValueError(f"gold has {len(gold)} items but pred has {len(pred)}")
    tp = sum(1 for g, p in zip(gold, pred) if g == positive and p == positive)
    n_pred = sum(1 for p in pred if p == positive)
    n_gold = sum(1 for g in gold if g == positive)
    precision, recall = _div(tp, n_pred), _div(tp, n_gold)
    if tp == 0:
        f1 = 0.0 if (n_pred or n_gold) else NAN
    else:
        f1 = 2 * precision * recall / (precision + recall)
    return precision, recall, f1


def cohen_kappa(gold: Sequence[Hashable], pred: Sequence[Hashable]) -> float:
    """Cohen's kappa between two codings of the same items (any number of labels)."""
    if len(gold) != len(pred):
        raise ValueError(f"gold has {len(gold)} items but pred has {len(pred)}")
    n = len(gold)
    if n == 0:
        return NAN
    observed = sum(1 for g, p in zip(gold, pred) if g == p) / n
    gold_counts, pred_counts = Counter(gold), Counter(pred)
    expected = sum(gold_counts[k] * pred_counts.get(k, 0) for k in gold_counts) / (n * n)
    if expected == 1.0:
        return 1.0 if observed == 1.0 else NAN
    return (observed - expected) / (1 - expected)


def false_alarm_rate(gold: Sequence[Hashable], pred: Sequence[Hashable], positive: Hashable
                     ) -> float:
    """Share of the items that are not `positive` in gold but are predicted `positive`."""
    negatives = [p for g, p in zip(gold, pred) if g != positive]
    return _div(sum(1 for p in negatives if p == positive), len(negatives))


def binary(labels: Sequence[Hashable], positive: set) -> list[bool]:
    """Collapse labels to 'is one of `positive`' (e.g. reflection-any = simple or complex)."""
    return [label in positive for label in labels]


def code_rows(gold: Sequence[Hashable], pred: Sequence[Hashable], code: str,
              labels: Sequence[Hashable], *, dataset: str, protocol: str,
              groups: dict[str, set] | None = None,
              means: dict[str, Sequence[Hashable]] | None = None,
              overall: bool = True) -> list[dict]:
    """Report rows for one code: one per label (label vs rest); one per named group of labels
    (e.g. ``{"any": {"simple", "complex"}}``, scored as one binary code); one per named mean
    (e.g. ``{"mean(simple,complex)": ("simple", "complex")}``, the unweighted mean of those
    labels' precision, recall and F1); and, if `overall`, the whole code (macro F1 over `labels`,
    multi-class kappa).
    """
    base = {"dataset": dataset, "protocol": protocol, "code": code, "n": len(gold)}
    rows = []
    for label in labels:
        p, r, f = prf(gold, pred, label)
        rows.append({**base, "label": str(label), "precision": p, "recall": r, "f1": f,
                     "kappa": cohen_kappa(binary(gold, {label}), binary(pred, {label})),
                     "false_alarm_rate": false_alarm_rate(gold, pred, label),
                     "support": sum(1 for g in gold if g == label),
                     "predicted": sum(1 for x in pred if x == label)})
    for name, members in (groups or {}).items():
        g, q = binary(gold, set(members)), binary(pred, set(members))
        p, r, f = prf(g, q, True)
        rows.append({**base, "label": name, "precision": p, "recall": r, "f1": f,
                     "kappa": cohen_kappa(g, q), "false_alarm_rate": false_alarm_rate(g, q, True),
                     "support": sum(g), "predicted": sum(q)})
    by_label = {row["label"]: row for row in rows}
    for name, members in (means or {}).items():
        picked = [by_label[str(m)] for m in members]
        rows.append({**base, "label": name,
                     **{k: sum(r[k] for r in picked) / len(picked)
                        for k in ("precision", "recall", "f1")},
                     "kappa": NAN, "false_alarm_rate": NAN,
                     "support": sum(r["support"] for r in picked),
                     "predicted": sum(r["predicted"] for r in picked)})
    if overall:
        f1s = [row["f1"] for row in rows[: len(labels)]]
        rows.append({**base, "label": "macro(" + "/".join(map(str, labels)) + ")",
                     "precision": NAN, "recall": NAN, "f1": sum(f1s) / len(f1s),
                     "kappa": cohen_kappa(gold, pred), "false_alarm_rate": NAN, "support": len(gold),
                     "predicted": len(pred)})
    return rows
