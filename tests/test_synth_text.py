"""The text the synthetic data speaks: fortune cleaning, the grammar, the hash split, spoken questions."""

from __future__ import annotations

import random
import re

import pytest

from wavllm_core.synth import grammar, questions
from wavllm_core.synth.fortunes import FortunesUnavailableError, fortune_files, fortune_sentences, sentences_from_text
from wavllm_core.synth.grammar import Draw, conjugate
from wavllm_core.synth.text_pool import build_pool, common_words, normalized, split_of, words

FORTUNE_FILE = """A dream will always triumph over reality, once it is given the chance.
\t\t-- Stanislaw Lem
%
Short one.
%
This quotation goes on and on with far too many words to be one sentence that anyone could
comfortably say in one breath, because it never stops.
%
B\x08Bo\x08ol\x08ld words are overstruck in some files -- like this one... they still count.
%
What a damn shame it is to lose a good pen.
%
"Quoted speech," she said, "loses its quotation marks."
"""


def test_a_fortune_file_gives_clean_sentences_without_attributions():
    found = list(sentences_from_text(FORTUNE_FILE))
    assert found[0] == "A dream will always triumph over reality, once it is given the chance."
    assert not any("Lem" in s for s in found)


def test_sentences_outside_four_to_25_words_are_dropped():
    found = list(sentences_from_text(FORTUNE_FILE))
    assert not any(s.startswith(("Short", "This quotation")) for s in found)


def test_overstrike_dashes_and_ellipses_become_plain_text_and_pauses():
    found = list(sentences_from_text(FORTUNE_FILE))
    assert "Bold words are overstruck in some files, like this one, they still count." in found


def test_sentences_with_blocked_words_are_dropped():
    assert not any("shame" in s for s in sentences_from_text(FORTUNE_FILE))


def test_double_quotes_are_removed():
    assert "Quoted speech, she said, loses its quotation marks." in list(sentences_from_text(FORTUNE_FILE))


def test_offensive_and_code_files_are_never_read(tmp_path):
    for name in ("wisdom", "ethnic", "perl", "wisdom.dat", "wisdom.u8"):
        (tmp_path / name).write_text(FORTUNE_FILE)
    (tmp_path / "off").mkdir()
    (tmp_path / "off" / "rude").write_text(FORTUNE_FILE)
    assert [p.name for p in fortune_files([tmp_path])] == ["wisdom"]


def test_no_fortune_files_is_an_error_naming_the_package(tmp_path):
    with pytest.raises(FortunesUnavailableError, match="apt-get install fortunes"):
        fortune_sentences([tmp_path])


def test_the_split_of_a_text_ignores_case_and_punctuation():
    assert normalized("Hello, World!") == normalized("hello world")
    assert split_of("Hello, World!") == split_of("hello   world")


def test_the_split_shares_are_about_92_3_and_5_percent():
    texts = [f"sentence number {i} of the check" for i in range(20_000)]
    shares = {s: sum(split_of(t) == s for t in texts) / len(texts) for s in ("train", "valid", "test")}
    assert shares["train"] == pytest.approx(0.92, abs=0.01)
    assert shares["valid"] == pytest.approx(0.03, abs=0.005)
    assert shares["test"] == pytest.approx(0.05, abs=0.005)


@pytest.mark.parametrize(("phrase", "form", "expected"), [
    ("clean the kitchen", "past", "cleaned the kitchen"), ("buy some bread", "past", "bought some bread"),
    ("study for the exam", "past", "studied for the exam"), ("bake a cake", "past", "baked a cake"),
    ("fix the bike", "third", "fixes the bike"), ("carry the boxes", "third", "carries the boxes"),
    ("have a picnic", "third", "has a picnic"), ("play chess", "third", "plays chess"),
    ("swim in the lake", "ing", "swimming in the lake"), ("make a list", "ing", "making a list"),
    ("see the dentist", "ing", "seeing the dentist"),
])
def test_verb_phrases_are_conjugated(phrase, form, expected):
    assert conjugate(phrase, form) == expected


def test_grammar_sentences_are_varied_not_a_few_templates():
    drawn = grammar.sentences(random.Random(1), 5000)
    vocabulary = {w for s in drawn for w in words(s)}
    assert len(set(drawn)) > 4800
    assert len(vocabulary) > 2000
    assert len(grammar.FRAMES) >= 50


def test_grammar_sentences_are_capitalised_and_punctuated():
    for sentence in grammar.sentences(random.Random(2), 2000):
        assert sentence[0].isupper() and sentence[-1] in ".?!", sentence
        assert "{" not in sentence and "  " not in sentence, sentence


def test_the_pool_has_tens_of_thousands_of_sentences_and_a_broad_vocabulary():
    pool = build_pool()
    figures = pool.figures()
    assert figures["sentences"] > 40_000
    assert figures["by_source"]["fortunes"] > 14_000
    assert figures["vocabulary"] > 15_000
    assert len({normalized(s.text) for s in pool.sentences}) == len(pool.sentences)


def test_spelling_words_are_dictionary_words_the_pool_uses():
    chosen = common_words(build_pool())
    assert len(chosen) > 3000
    assert all(w.isalpha() and w.islower() and 4 <= len(w) <= 9 for w in chosen)


def _draws(kind: str, n: int = 300):
    function = questions.KINDS[kind][0]
    rng = random.Random(kind)
    return [function(Draw(rng), ["garden", "window", "pencil"]) for _ in range(n)]


def test_arithmetic_answers_are_right():
    for question, answer in _draws("arithmetic"):
        numbers = [int(n) for n in re.findall(r"\d+", question)]
        result = int(answer.rstrip("."))
        assert result in {numbers[0] + numbers[1], abs(numbers[0] - numbers[1]), numbers[0] * numbers[1]}, question


def test_spelling_answers_spell_the_word():
    for question, answer in _draws("spelling"):
        word = next(w for w in ("garden", "window", "pencil") if w in question)
        assert answer == "-".join(word.upper()) + "."


def test_counting_answers_count_the_things_listed():
    for question, answer in _draws("counting"):
        listed = question.split(".")[0]
        assert int(answer.rstrip(".")) == len(re.findall(r"\b(?:a|an)\s", listed)), question


def test_every_spoken_question_has_a_short_answer_ending_with_a_full_stop():
    rng = random.Random(3)
    for _ in range(2000):
        kind, (question, answer) = questions.draw_question(rng, ["garden"])
        assert question[-1] in "?." and answer.endswith(".") and len(answer.split()) <= 6, (kind, question, answer)
