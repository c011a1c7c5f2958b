"""How much each thing known about a candidate sentence counts when choosing the answer's sentences.

The score of a sentence is ``weights @ features``. The weights are fitted on our own evaluation questions
(``python -m eval.fit_weights``, a pairwise logistic regression: the sentence that holds the asked fact
against the other candidates of the same question) and stored with the hash of the data they came from.
They are scaled so that the dense similarity counts 1.0: the answer stage's margins ("within 0.01 of the
best") stay in units of similarity whatever was fitted; the fitted temperature turns a question's scores
into probabilities (how many sentences the quote needs).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

# name -> the hand-set weight used before weights were fitted (and when the file is missing).
HAND_WEIGHTS: dict[str, float] = {
    "similarity": 1.0,        # dense similarity of the sentence to the question
    "coverage": 0.25,         # rarity-weighted share of the asked words the sentence holds (compounds too)
    "coverage_exact": 0.0,    # ... as exact stems only
    "coverage_en": 0.0,       # coverage again for English questions (their words reach German through the glossary)
    "rarest_covered": 0.0,    # the question's rarest word is in the sentence
    "passage_rank": 0.02,     # 4 for the first passage, 3 for the second ... 0 from the fifth on
    "top_passage": 0.0,       # the sentence is in the first passage
    "first_sentence": 0.01,   # the passage's first sentence
    "heading_project": 0.1,   # coverage of the asked words by the project title
    "heading_chapter": 0.25,  # coverage of the asked words by the chapter's section heading
    "section_intent": 0.13,   # the profile section that answers this kind of question, for a named city
    "general_chapter": 0.1,   # a question about no city in particular, a sentence of the cross-city analysis
    "when_date": 0.03,        # a when-question and a sentence with a date
    "cue": 0.02,              # who/why/name/organisation cues of the question found in the sentence
    "announces_list": 0.04,   # "Welche ...?" and a sentence that announces a list ("drei Modelle: ...")
    "about_chart": -0.05,     # a sentence about a lost chart ("Abbildung 5 zeigt ...")
    "reason": 0.1,            # a why-question and a sentence that gives a reason
    "superlative": 0.08,      # "am häufigsten" asked and stated
    "naming": 0.06,           # a what-is-it-called question and a sentence that names something »...«
    "counts_asked": 0.08,     # the sentence counts what a how-many question counts
    "partitive": 0.12,        # "wie viele der ..." and "50 der 53 ..."
    "chart_title": 0.08,      # a chart title kept as a heading that counts what is asked
    "length": 0.0,            # the sentence's length (up to 400 characters, as a share)
    "lists_items": 0.0,       # a which/what-are question and a sentence that lists several things
    "is_question": 0.0,       # the sentence asks a question itself (an interview guide's item)
    "about_study": 0.0,       # the sentence says what the study asked or does next, not what it found
    "next_similarity": 0.0,   # dense similarity of the sentence that follows it in the passage (a passage
                              # often names its topic in one sentence and says what was asked in the next)
}
FEATURES: tuple[str, ...] = tuple(HAND_WEIGHTS)
INDEX: dict[str, int] = {name: i for i, name in enumerate(FEATURES)}
WEIGHTS_PATH = Path(__file__).parent / "pack" / "sentence_weights.json"
# The hand weights read as logits: similarity 1.0 -> 30 (a 0.03 similarity gap ~ e^0.9); a fit replaces it.
HAND_TEMPERATURE = 30.0


class SentenceWeights:
    """A weight per feature, from a fitted file or the hand-set defaults."""

    def __init__(self, weights: dict[str, float], source: str = "hand", temperature: float = HAND_TEMPERATURE) -> None:
        unknown = set(weights) - set(FEATURES)
        if unknown:
            raise ValueError(f"unknown sentence features {sorted(unknown)}; known: {list(FEATURES)}")
        if weights.get("similarity", 0.0) <= 0:
            raise ValueError(f"the similarity weight must be positive, got {weights.get('similarity')}")
        if not temperature > 0:
            raise ValueError(f"the temperature must be positive, got {temperature}")
        self.source = source
        self.vector = np.array([float(weights.get(name, 0.0)) for name in FEATURES])
        # Scores times the temperature are the logits of "this candidate is the one that answers".
        self.temperature = float(temperature)

    @classmethod
    def hand(cls) -> SentenceWeights:
        return cls(HAND_WEIGHTS, "hand")

    @classmethod
    def load(cls, path: Path = WEIGHTS_PATH) -> SentenceWeights:
        """The fitted weights if the file exists, else the hand-set ones."""
        if not Path(path).exists():
            return cls.hand()
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        try:
            return cls(data["weights"], f"fitted:{data.get('data_hash', '?')}",
                       float(data.get("temperature", HAND_TEMPERATURE)))
        except (KeyError, TypeError) as exc:
            raise ValueError(f"{path}: expected a 'weights' object of feature -> number") from exc

    def score(self, features: np.ndarray) -> float:
        return float(self.vector @ features)

    def probabilities(self, scores: np.ndarray) -> np.ndarray:
        """How likely each candidate is the one that answers (a softmax over one question's candidates)."""
        logits = self.temperature * (np.asarray(scores, dtype=float) - np.max(scores))
        p = np.exp(logits)
        return p / p.sum()

    def as_dict(self) -> dict[str, float]:
        return {name: round(float(w), 5) for name, w in zip(FEATURES, self.vector, strict=True)}


# What the answer stage knows about the quote it chose, for the decision to answer or refuse.
SUPPORT_FEATURES: tuple[str, ...] = (
    "best_similarity",       # dense similarity of the best sentence
    "passage_similarity",    # dense similarity of its passage
    "quote_coverage",        # rarity-weighted share of the asked words in the quote and its passage's title
    "quote_coverage_exact",  # ... as exact stems
    "rarest_missing",        # the question's rarest word is neither in the quote nor in the title
    "missing_weight",        # the rarity-weighted share of asked words missing
    "date_missing",          # a when-question and a quote without a date
    "money_missing",         # a question about money and a quote without an amount of money
    "count_missing",         # a how-many question whose counted word no number of the quote counts
    "number_missing",        # a how-many / how-much question and a quote without a number
    "maker_missing",         # "welche Firma", "which vendor": a quote that names no organisation
    "duration_missing",      # "wie lange", "how long": a quote without a span of time
    "names_missing",         # "welche sechs Schulen", "which three cities": a quote that names fewer items
    "english",               # an English question (its words reach the German text through fewer bridges)
    "asked_words",           # how many words were asked (up to 8, as a share)
)
SUPPORT_INDEX: dict[str, int] = {name: i for i, name in enumerate(SUPPORT_FEATURES)}
REFUSAL_PATH = Path(__file__).parent / "pack" / "refusal_weights.json"


class RefusalModel:
    """A logistic model of "the quote does not hold what was asked": refuse when its probability is at
    least ``threshold``. Fitted by ``python -m eval.fit_weights`` (the threshold chosen on held-out
    questions for a stated false-refusal rate); without a file it never refuses."""

    def __init__(self, weights: dict[str, float] | None = None, intercept: float = 0.0, threshold: float = 1.1,
                 source: str = "none") -> None:
        unknown = set(weights or {}) - set(SUPPORT_FEATURES)
        if unknown:
            raise ValueError(f"unknown support features {sorted(unknown)}; known: {list(SUPPORT_FEATURES)}")
        self.vector = np.array([float((weights or {}).get(name, 0.0)) for name in SUPPORT_FEATURES])
        self.intercept = float(intercept)
        self.threshold = float(threshold)
        self.source = source

    @classmethod
    def load(cls, embedder: str, path: Path = REFUSAL_PATH) -> RefusalModel:
        """The model fitted for this embedder (its similarities are features); otherwise one that never refuses."""
        if not Path(path).exists():
            return cls()
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if data.get("embedder") != embedder:
            return cls()
        try:
            return cls(data["weights"], data["intercept"], data["threshold"], f"fitted:{data.get('data_hash', '?')}")
        except (KeyError, TypeError) as exc:
            raise ValueError(f"{path}: expected 'weights', 'intercept' and 'threshold'") from exc

    def probability(self, support: np.ndarray) -> float:
        return float(1.0 / (1.0 + np.exp(-(self.vector @ support + self.intercept))))

    def refuses(self, support: np.ndarray) -> bool:
        return self.probability(support) >= self.threshold
