"""Guessing a listening question's type from its wording, for imported items that carry no type.

The rules follow how these questions are phrased ("When ...", "How much ...", "What is the probable
relationship ..."); the first matching rule wins, so the specific ones come before the broad ones.
A question no rule matches is a plain "detail" question.
"""

from __future__ import annotations

import re

_RULES: tuple[tuple[str, str], ...] = (
    ("relationship", r"\brelationship\b|\bhow are the (?:two )?speakers related\b|"
                     r"\bwho (?:is|are) the (?:man|woman|speakers?) to\b"),
    ("opinion", r"\b(?:think|thinks|thought) (?:of|about)\b|\bopinion\b|\bfeel about\b|\battitude\b|\bview\b|"
                r"\blike about\b"),
    ("meaning", r"\bwhat does (?:the )?(?:man|woman|speaker|he|she) (?:mean|imply|suggest)\b|\bmean by\b|\bimply\b"),
    ("topic", r"\btalking about\b|\bmainly about\b|\bdiscussing\b|\btopic\b|\bsubject of\b|\bmain idea\b"),
    ("price", r"\bhow much\b(?!\s+(?:time|longer|later|earlier|farther|further))|\bprice\b|\bcost\b|\bpay\b|\bfee\b"),
    ("time", r"^\s*when\b|\bwhat time\b|\bhow long\b|\bwhat day\b|\bwhich day\b|\bwhat date\b|\bhow soon\b|"
             r"\bwhat year\b|\bhow much (?:time|longer|later|earlier)\b|\bo'clock\b|\bwhich month\b"),
    ("number", r"\bhow many\b|\bwhat number\b|\bhow old\b|\bhow far\b|\bwhat percentage\b|\bhow often\b"),
    ("place", r"^\s*where\b|\bwhat place\b|\bwhich place\b|\bwhat city\b|\bwhich country\b|\bwhere\b"),
    ("reason", r"^\s*why\b|\bwhat is the reason\b|\bfor what reason\b|\bbecause\b|\bwhat caused\b"),
    ("activity", r"\bwhat (?:is|are) (?:the )?(?:man|woman|speakers?|they|he|she) "
                 r"(?:probably |most likely )?doing\b"),
    ("identity", r"^\s*who\b|\boccupation\b|\bprofession\b|\bjob\b|"
                 r"\bwhat does (?:the )?(?:man|woman)(?:'s \w+)? do(?: now| for a living)?\s*\?"),
    ("intention", r"\bwhat (?:will|is going to|does|did) (?:the )?(?:man|woman|speakers?|he|she|they)\b"
                  r".*\b(?:do|want|plan|intend|decide|suggest)\w*\b|"
                  r"\bgoing to do\b|\bwhat will\b.*\bdo\b|\bnext\b|\bplan\w*\b|\bintend\w*\b|\bwants? to\b|"
                  r"\bdecide\w*\b|\bsuggest\w*\b"),
)
_COMPILED = tuple((kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in _RULES)


def guess_question_type(question: str) -> str:
    """"When will the speakers meet?" → "time"; "What's the probable relationship ...?" → "relationship"."""
    for kind, pattern in _COMPILED:
        if pattern.search(question):
            return kind
    return "detail"
