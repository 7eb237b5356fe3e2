"""Reading free-text answers as option letters, yes/no and labels (shared by evaluation and the quiz)."""

from __future__ import annotations

import pytest

from wavllm_core.evaluation.answers import (
    normalize_label,
    parse_options,
    read_choice,
    read_label,
    read_one_speaker,
    read_yes_no,
)

GAOKAO = "What will the man do next? A. Start to take exercise; B. Do as he always does; C. Change his working time."
OPTIONS = {"A": "Start to take exercise", "B": "Do as he always does", "C": "Change his working time"}


def test_options_are_parsed_from_a_one_line_gaokao_prompt():
    assert parse_options(GAOKAO) == OPTIONS


def test_options_with_parentheses_and_commas_are_parsed():
    assert parse_options("Which colour? A) red, B) blue, C) green") == {"A": "red", "B": "blue", "C": "green"}


def test_a_stray_letter_in_the_question_is_not_an_option_list():
    assert parse_options("Is plan B. the better one?") == {}


@pytest.mark.parametrize("answer, letter", [
    ("B", "B"),
    ("b", "B"),
    ("(B)", "B"),
    ("B.", "B"),
    ("B. Do as he always does", "B"),
    ("B) do as he always does", "B"),
    ("the answer is b", "B"),
    ("The answer is (C).", "C"),
    ("Answer: A", "A"),
    ("The correct option is C, change his working time.", "C"),
    ("I choose A because he is tired.", "A"),
    ("I think it is B.", "B"),
    ("He will change his working time.", "C"),
    ("do as he always does", "B"),
    ("A man like him will change his working time", "C"),
])
def test_read_choice_understands_common_phrasings(answer, letter):
    assert read_choice(answer, OPTIONS) == letter


@pytest.mark.parametrize("answer", ["A or B", "A/B", "B, C", "A. Start to take exercise; B. Do as he always does", ""])
def test_read_choice_returns_none_for_hedged_or_empty_answers(answer):
    assert read_choice(answer, OPTIONS) is None


def test_a_lowercase_article_is_not_read_as_option_a():
    assert read_choice("the answer is a bus ride", OPTIONS) is None


def test_read_choice_ignores_letters_beyond_the_options():
    assert read_choice("D", OPTIONS) is None


def test_read_choice_accepts_a_list_of_option_texts():
    assert read_choice("by bus", ["by car", "by bus", "on foot"]) == "B"


def test_the_longer_of_two_nested_option_texts_wins():
    assert read_choice("He will go home early", ["go home", "go home early"]) == "B"


@pytest.mark.parametrize("answer, expected", [
    ("Yes", True),
    ("yes.", True),
    ("Yes, there is only one speaker.", True),
    ("Yeah", True),
    ("No", False),
    ("No, there are two speakers.", False),
    ("nope", False),
    ("The answer is no.", False),
])
def test_read_yes_no_takes_the_first_yes_or_no_word(answer, expected):
    assert read_yes_no(answer) is expected


@pytest.mark.parametrize("answer", ["I am not sure, maybe yes", "It is hard to say", "", "I cannot tell. No idea."])
def test_read_yes_no_is_none_when_the_answer_says_neither_or_is_unsure(answer):
    assert read_yes_no(answer) is None


@pytest.mark.parametrize("answer, expected", [
    ("There is only one speaker in the clip.", True),
    ("There are two speakers.", False),
    ("Multiple people are talking: several voices.", False),
    ("No, two different speakers.", False),
])
def test_speaker_verification_answers_are_read_without_a_yes_or_no(answer, expected):
    assert read_one_speaker(answer) is expected


def test_label_forms_map_to_the_label():
    labels = ["sad", "happy", "angry", "neutral"]
    assert read_label("The speaker sounds sad.", labels) == "sad"
    assert read_label("Happiness.", labels) == "happy"
    assert read_label("anger", labels) == "angry"
    assert normalize_label("Sadness") == "sad"


def test_an_answer_naming_two_labels_is_unreadable():
    assert read_label("either angry or sad", ["sad", "angry"]) is None


def test_a_label_outside_the_set_is_unreadable():
    assert read_label("The speaker is bored.", ["sad", "happy"]) is None


def test_options_that_are_only_numbers_are_read_from_the_numbers_said():
    options = {"A": "$9.", "B": "$12.", "C": "$18."}
    assert read_choice("He pays 18 dollars in all.", options) == "C"
    assert read_choice("9 dollars each, so 18.", options) is None
