"""Trained models shipped with transcript-analyzer (installed as `transcript_analyzer.models`)."""
