"""Which signals help the trust model on real turns: 5-fold CV grouped by transcript over the
coded AnnoMI turns (authored turns always train), with one group of features neutralised at a
time. Settings are fixed at the shipped ones (chosen by grouped CV on these same turns), so every
variant is equally, mildly, optimistic; compare the rows with each other, not with the nested
figures in the model card.

    python scripts/trust_ablation.py ../shared/data/annomi/AnnoMI-full.dev.csv
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from sklearn.model_selection import GroupKFold

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from transcript_analyzer.classifier.features import FLAGS  # noqa: E402
from transcript_analyzer.classifier.train import (  # noqa: E402
    DEFAULT_SETTINGS,
    classification_report,
    featurise_corpus,
    fit_estimator,
    training_corpus,
)
from transcript_analyzer.nlp import build_pipeline  # noqa: E402

VARIANTS = {
    "all features (shipped)": {},
    "without client_asked_question": {"client_asked_question": 0},
    "without the client's previous turn (text and asked-question)":
        {"prev_client_text": "", "client_asked_question": 0, "client_asked_for_advice": 0},
    "without detector codes and flags": {
        "question_type": "none", "reflection_type": "none", "n_jargon": 0, "n_rare": 0,
        **{flag: 0 for flag in FLAGS}},
    "without length (log_words, n_sents)": {"log_words": 0.0, "n_sents": 0},
}


def main(annomi: str) -> None:
    corpus = training_corpus(sorted((ROOT / "corpora" / "trust").glob("*.csv")),
                             [ROOT / "corpora" / "real" / "annomi_dev_trust.csv"],
                             {"annomi_dev": annomi})
    X = featurise_corpus(corpus, build_pipeline())
    y = corpus["label"].to_numpy()
    is_real = (corpus["origin"] != "authored").to_numpy()
    real, authored = np.flatnonzero(is_real), np.flatnonzero(~is_real)
    groups = corpus["source"].to_numpy()
    for name, neutral in VARIANTS.items():
        Xv = X.assign(**neutral)
        predicted = np.empty(len(real), dtype=object)
        for train, test in GroupKFold(5).split(real, groups=groups[real]):
            rows = np.concatenate([authored, real[train]])
            model = fit_estimator(Xv.iloc[rows], y[rows], is_real[rows], DEFAULT_SETTINGS)
            predicted[test] = model.predict(Xv.iloc[real[test]])
        report = classification_report(y[real], predicted.tolist())
        barrier = report["per_class"]["barrier_creating"]
        print(json.dumps({"variant": name, "macro_f1": report["macro_f1"],
                          "kappa": report["kappa"], "barrier_precision": barrier["precision"],
                          "barrier_recall": barrier["recall"], "barrier_f1": barrier["f1"]}),
              flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
