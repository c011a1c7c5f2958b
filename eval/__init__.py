"""Evaluation of the assistant on question-answer pairs taken from the report."""
