"""Translation tooling: the questionnaire extractor and catalog maintenance."""
