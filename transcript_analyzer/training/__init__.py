"""Training of the detectors' learned models, kept above the detectors.

A detector only loads and applies its stored model (`detectors/reflection_model.py`); fitting,
nested cross-validation and building the shipped models from AnnoMI live here, so nothing under
`detectors/` imports `evaluation/`, scikit-learn or the data loaders.
"""
