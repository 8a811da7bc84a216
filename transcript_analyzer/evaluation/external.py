"""The checks of a freshly trained trust model on real conversations it may not have seen,
for its model card: session trust index against AnnoMI's MI quality and ESConv's empathy
ratings, and labels and themes against coded real turns (with the coders' agreement)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def external_checks(model_dir: str | Path, *, annomi: str | None = None,
                    esconv: str | None = None, codes: Sequence[str | Path] = (),
                    trained_on_codes: bool = False) -> dict:
    """Name -> result. Coded sets give a classification report with `themes`, `agreement` and a
    `protocol` that says whether the model was trained on them."""
    from ..classifier.coded import agreement, load_codes
    from ..classifier.model import TrustModel
    from ..classifier.themes import theme_report
    from ..classifier.train import classification_report
    from .coded_trust import predict_coded
    from .trust import annomi_session_auc, esconv_empathy_spearman

    external: dict = {}
    if annomi or esconv:
        model = TrustModel.load(model_dir)
        if annomi:
            key = "AnnoMI dev, MI quality high vs low" + (" (in-sample)" if trained_on_codes
                                                          else "")
            external[key] = annomi_session_auc(annomi, model)
        if esconv:
            external["ESConv test, seeker empathy"] = esconv_empathy_spearman(esconv, model)
    for path in codes:
        labelled, protocol = predict_coded(
            path, {"annomi_dev": annomi, "esconv_test": esconv}, model_dir=str(model_dir))
        external[f"Coded real turns: {Path(path).name}"] = {
            **classification_report(labelled["label"], labelled["predicted"]),
            "themes": theme_report(labelled["label"], labelled["theme"], labelled["predicted"],
                                   labelled["predicted_theme"]),
            "agreement": agreement(load_codes(path)),
            # the folder is often a temporary one: the card names the model, not the path
            "protocol": protocol.replace(f"model {model_dir}", "this model")}
    return external
