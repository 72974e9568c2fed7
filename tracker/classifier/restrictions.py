"""Sentences that prohibit uses, found with spaCy rules (blank English, sentencizer, Matcher).

Used to weak-label license text: a paragraph of a RAIL attachment or an acceptable-use policy
("You agree not to use the Model…", "…shall not use…", "Prohibited uses") reads differently
from the grant and warranty clauses around it.
"""

from __future__ import annotations

from typing import Any


class RestrictionMatcher:
    def __init__(self) -> None:
        import spacy
        from spacy.matcher import Matcher

        self.nlp = spacy.blank("en")
        self.nlp.add_pipe("sentencizer")
        self.matcher = Matcher(self.nlp.vocab)
        modal = ["shall", "will", "must", "may", "can", "ca", "do", "does"]
        not_use: list[list[dict[str, Any]]] = [
            [{"LOWER": {"IN": modal}}, {"LOWER": {"IN": ["not", "n't"]}}, {"LOWER": "use"}],
            [{"LOWER": {"IN": modal}}, {"LOWER": "not"}, {"LOWER": "be"}, {"LOWER": "used"}],
            [{"LOWER": "cannot"}, {"LOWER": "use"}],
            [{"LOWER": "agree"}, {"LOWER": "not"}, {"LOWER": "to"}],
            [{"LOWER": {"IN": ["not", "never"]}}, {"LOWER": "to"}, {"LOWER": "use"}],
            [{"LOWER": {"IN": ["prohibited", "restricted"]}}, {"LOWER": {"IN": ["use", "uses"]}}],
            [
                {"LOWER": "use"},
                {"TEXT": "-", "OP": "?"},
                {"LOWER": "based"},
                {"LOWER": "restrictions"},
            ],
        ]
        self.matcher.add("PROHIBITS_USE", not_use)

    def prohibiting_sentences(self, text: str) -> list[str]:
        doc = self.nlp(text)
        hits = {doc[start].sent.start for _, start, _ in self.matcher(doc)}
        return [s.text for s in doc.sents if s.start in hits]

    def prohibits_use(self, text: str) -> bool:
        """Two or more prohibiting sentences, or one in a short chunk: a list of restrictions,
        not a passing mention."""
        found = self.prohibiting_sentences(text)
        return len(found) >= 2 or (len(found) == 1 and len(text.split()) < 80)
