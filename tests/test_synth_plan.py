"""Planning the synthetic data set (no audio): determinism, disjoint splits, the held-out voice, the
bundled quiz sets kept out, and answer formats the readers understand."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest

from wavllm_core.evaluation.answers import parse_options, read_choice
from wavllm_core.quiz import bundled_sets
from wavllm_core.synth.dataset import QUIZ_SEED_BASE, TEXT_SPLIT, DataOptions, bundled_quiz_lines, plan_dataset, quiz_stream
from wavllm_core.synth.tasks import BUILDERS
from wavllm_core.synth.text_pool import build_pool, normalized, split_of

OPTIONS = DataOptions(seed=3, examples=400, valid=40, test=80)


@pytest.fixture(scope="module")
def plan():
    return plan_dataset(OPTIONS)


def _spoken(plan, splits):
    return {normalized(t) for s in splits for e in plan.examples[s] for t in e.spoken}


def test_the_same_seed_plans_the_same_examples(plan):
    assert plan_dataset(OPTIONS).examples == plan.examples


def test_another_seed_plans_other_examples(plan):
    other = plan_dataset(DataOptions(seed=4, examples=400, valid=40, test=80))
    same = sum(a == b for a, b in zip(plan.examples["train"], other.examples["train"]))
    assert same < 5


def test_more_examples_extend_a_plan_without_changing_its_rows(plan):
    bigger = plan_dataset(DataOptions(seed=3, examples=600, valid=40, test=80))
    assert bigger.examples["train"][:400] == plan.examples["train"]
    assert bigger.examples["test-unseen"] == plan.examples["test-unseen"]


def test_every_row_speaks_only_texts_of_its_own_split(plan):
    for split, examples in plan.examples.items():
        for example in examples:
            assert all(split_of(text) == TEXT_SPLIT[split] for text in example.spoken), example


def test_train_valid_and_test_share_no_sentence(plan):
    train, valid, test = _spoken(plan, ["train"]), _spoken(plan, ["valid"]), _spoken(plan, ["test-seen", "test-unseen"])
    assert train and valid and test
    assert not train & test and not train & valid and not valid & test


def test_the_held_out_voice_is_never_heard_outside_the_unseen_voice_test(plan):
    for split in ("train", "valid", "test-seen"):
        voices = {v for e in plan.examples[split] if e.clip for v in e.clip.voices}
        assert voices == {"awb", "rms", "slt"}, split


def test_every_unseen_voice_test_clip_has_the_held_out_voice(plan):
    assert all("kal16" in e.clip.voices for e in plan.examples["test-unseen"])


def test_no_row_speaks_or_shows_a_line_of_the_bundled_quiz_sets(plan):
    bundled = bundled_quiz_lines()
    assert len(bundled) > 50
    distinctive = [line for line in bundled if len(line.split()) > 3]
    for example in plan.all():
        turns = [text for text, _ in example.clip.turns] if example.clip else []
        assert not bundled.intersection(turns), example.id
        assert not any(line in example.prompt for line in distinctive), example.id


def test_without_the_filter_the_quiz_generator_would_repeat_bundled_lines():
    bundled = bundled_quiz_lines()
    unfiltered = itertools.islice(quiz_stream(3, "train", frozenset()), 300)
    assert any(bundled.intersection(line.text for line in p.draft.lines) for p in unfiltered)
    filtered = itertools.islice(quiz_stream(3, "train", bundled), 300)
    assert not any(bundled.intersection(line.text for line in p.draft.lines) for p in filtered)


def test_quiz_draft_seeds_are_far_from_the_bundled_sets_seeds():
    assert max(quiz.meta["seed"] for quiz in bundled_sets()) < QUIZ_SEED_BASE


def test_multiple_choice_targets_give_the_option_text_then_its_letter(plan):
    letters = Counter()
    rows = [e for e in plan.all() if e.task in ("sqa", "text_sqa")]
    assert len(rows) > 80
    for example in rows:
        options = parse_options(example.prompt)
        assert len(options) == 3, example.prompt
        letter = example.target[-2]
        assert example.target == f"{options[letter]} ({letter})"
        assert read_choice(example.target, options) == letter
        letters[letter] += 1
    assert max(letters.values()) / sum(letters.values()) < 0.45


def test_every_builder_appears_in_training(plan):
    assert set(Counter(e.kind for e in plan.examples["train"])) == set(BUILDERS)


def test_text_only_rows_have_no_clip_and_test_sets_are_speech_only(plan):
    for example in plan.all():
        assert (example.clip is None) == example.kind.startswith("text_")
    assert all(e.with_speech for s in ("test-seen", "test-unseen") for e in plan.examples[s])


def test_spoken_question_rows_have_an_empty_prompt(plan):
    rows = [e for e in plan.all() if e.task == "sqqa"]
    assert rows and all(e.prompt == "" and e.target for e in rows)


def test_test_sets_ask_with_the_published_asr_prompt_only(plan):
    prompts = {e.prompt for s in ("test-seen", "test-unseen") for e in plan.examples[s] if e.task == "asr"}
    assert prompts == {"Based on the attached audio, generate a comprehensive text transcription of the spoken content."}


def test_speaker_answers_match_the_voices_in_the_clip(plan):
    for example in (e for e in plan.all() if e.task == "sv"):
        one = len(example.clip.speakers) == 1
        assert example.target in (("Yes", "One speaker.") if one else ("No", "Two speakers.")), example


@pytest.mark.parametrize(("options", "problem"), [
    ({"examples": 0}, "--examples"), ({"test": -1}, "--test"), ({"held_out_voice": "bob"}, "--held-out-voice"),
    ({"workers": 0}, "--workers"),
])
def test_bad_options_are_refused_with_the_option_named(options, problem):
    with pytest.raises(ValueError, match=problem):
        DataOptions(**options)


def test_word_question_distractors_are_as_common_as_the_word_said():
    """A model with no audio must not find the spoken word by picking the most ordinary option
    (an earlier generator let that guess score 83 %)."""
    plan = plan_dataset(DataOptions(seed=3, examples=3000, valid=40, test=80))
    counts = build_pool().vocabulary()
    rows = [e for e in plan.all() if e.kind == "sqa_word"]
    assert len(rows) > 200
    hits = 0
    for example in rows:
        options = parse_options(example.prompt)
        guess = max(options, key=lambda letter: counts[options[letter].lower()])
        hits += guess == example.target[-2]
    assert hits / len(rows) < 0.45
