"""Corpus-level scores, each from its standard library: WER (jiwer) after Whisper's English
normalisation (whisper-normalizer, the package that ships Whisper's spelling map), BLEU (sacrebleu)
and accuracy. Scores are percentages, as papers report them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import jiwer
import sacrebleu

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


@lru_cache(maxsize=1)
def _english_normalizer():
    from whisper_normalizer.english import EnglishTextNormalizer

    return EnglishTextNormalizer()


def normalize_english(text: str) -> str:
    """Whisper's English normalisation: lower case, no punctuation, numbers as digits,
    contractions and British spellings standardised ("Mr. Smith's colour" → "mister smith is color")."""
    return _english_normalizer()(text or "").strip()


@dataclass(frozen=True)
class WordErrors:
    """Corpus WER and its parts (counts over all rows, after normalisation)."""

    wer: float
    substitutions: int
    deletions: int
    insertions: int
    reference_words: int


def word_error_rate(references: Sequence[str], hypotheses: Sequence[str], normalize: bool = True) -> WordErrors:
    """Corpus WER in percent: all edits over all reference words, not a mean of per-row rates."""
    if len(references) != len(hypotheses):
        raise ValueError(f"{len(references)} references but {len(hypotheses)} hypotheses")
    prepare = normalize_english if normalize else str.strip
    refs = [prepare(text) for text in references]
    hyps = [prepare(text) for text in hypotheses]
    words = sum(len(ref.split()) for ref in refs)
    if words == 0:
        raise ValueError("the references have no words after normalisation; WER is undefined")
    out = jiwer.process_words(refs, hyps)
    errors = out.substitutions + out.deletions + out.insertions
    return WordErrors(100.0 * errors / words, out.substitutions, out.deletions, out.insertions, words)


# Function words: what is left after them (names, places, numbers, nouns, verbs) is what a model
# can only get right by hearing it, not by knowing how sentences go.
FUNCTION_WORDS = frozenset("""
a an the and or but nor so yet if then than that this these those there here where when while who whom
whose which what why how i me my mine we us our ours you your yours he him his she her hers it its they
them their theirs am is are was were be been being have has had do does did done will would shall should
can could may might must not no yes to of in on at by for from with without into onto over under about
after before up down out off again very just also too as all any some each every both either neither
one s t d ll m re ve let lets get got go goes going went""".split())


@dataclass(frozen=True)
class ContentWords:
    """How many of the references' content words the hypotheses contain, and how many rows are exact."""

    recall: float
    content_words: int
    exact_rows: int
    rows: int


def content_word_recall(references: Sequence[str], hypotheses: Sequence[str]) -> ContentWords:
    """Recall (percent) of each reference's content words in its hypothesis, counted with multiplicity
    after Whisper's normalisation, plus the rows whose normalised hypothesis equals the reference."""
    found = total = exact = 0
    for reference, hypothesis in zip(references, hypotheses, strict=True):
        ref, hyp = normalize_english(reference).split(), normalize_english(hypothesis).split()
        exact += ref == hyp
        wanted = Counter(word for word in ref if word not in FUNCTION_WORDS)
        heard = Counter(hyp)
        total += sum(wanted.values())
        found += sum(min(count, heard[word]) for word, count in wanted.items())
    return ContentWords(100.0 * found / total if total else 0.0, total, exact, len(references))


def bleu_tokenizer(references: Sequence[str]) -> str:
    """sacrebleu's tokenizer for the target language: "zh" when the references are CJK, else 13a."""
    return "zh" if any(_CJK.search(ref) for ref in references) else "13a"


def bleu(references: Sequence[str], hypotheses: Sequence[str], tokenize: str | None = None) -> float:
    """Corpus BLEU (sacrebleu's defaults, one reference per row)."""
    if len(references) != len(hypotheses):
        raise ValueError(f"{len(references)} references but {len(hypotheses)} hypotheses")
    tokenize = tokenize or bleu_tokenizer(references)
    return float(sacrebleu.corpus_bleu(list(hypotheses), [list(references)], tokenize=tokenize).score)


def accuracy(correct: Sequence[bool]) -> float:
    """Percent correct; an unreadable answer counts as wrong."""
    if not correct:
        raise ValueError("no rows to score")
    return 100.0 * sum(bool(c) for c in correct) / len(correct)
