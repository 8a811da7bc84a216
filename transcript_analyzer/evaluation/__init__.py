"""Evaluation against human codes: AnnoMI, ESConv and the project's own test sets."""
