"""The SQLite progress store: persistence, history, weak types, CSV export, names, two writers."""

from __future__ import annotations

import csv
import sqlite3
import threading

import pytest
from quiz_sets import write_tiny_set

from wavllm_core.quiz import ProgressError, ProgressStore, default_store_path, load_quiz

ALL_RIGHT = {"Q1": "B", "Q2": "C", "Q3": "A"}


@pytest.fixture
def quiz(tmp_path):
    return load_quiz(write_tiny_set(tmp_path / "set"))


@pytest.fixture
def store(tmp_path):
    return ProgressStore(tmp_path / "progress.sqlite3")


def test_the_default_file_lives_in_wavllm_home(monkeypatch, tmp_path):
    monkeypatch.setenv("WAVLLM_HOME", str(tmp_path / "home"))
    assert default_store_path() == tmp_path / "home" / "quiz_progress.sqlite3"
    assert ProgressStore().path.parent.is_dir()


def test_a_submitted_attempt_survives_closing_and_reopening_the_store(tmp_path, quiz):
    path = tmp_path / "progress.sqlite3"
    first = ProgressStore(path)
    attempt = first.start_attempt("Li Hua", quiz)
    first.record_answer(attempt, quiz, "Q1", "B")
    first.finish_attempt(attempt, quiz, {"Q2": "A"})
    del first
    reopened = ProgressStore(path)
    [summary] = reopened.history("Li Hua")
    assert (summary.attempt_id, summary.correct, summary.total) == (attempt, 1, 3)
    assert summary.sections == {1: (1, 1), 2: (0, 2)}
    assert reopened.students() == ["Li Hua"]


def test_answers_are_saved_as_they_are_given(store, quiz):
    attempt = store.start_attempt("Li Hua", quiz)
    store.record_answer(attempt, quiz, "Q1", "a")
    store.record_answer(attempt, quiz, "Q1", "B")
    assert store.saved_answers(attempt) == {"Q1": "B"}


def test_submitting_combines_saved_answers_with_the_final_ones(store, quiz):
    attempt = store.start_attempt("Li Hua", quiz)
    store.record_answer(attempt, quiz, "Q1", "B")
    result = store.finish_attempt(attempt, quiz, {"Q2": "C", "Q3": "A"})
    assert (result.correct, result.total) == (3, 3)
    assert [r.chosen for r in result.review] == ["B", "C", "A"]


def test_an_attempt_cannot_be_submitted_twice(store, quiz):
    attempt = store.start_attempt("Li Hua", quiz)
    store.finish_attempt(attempt, quiz, ALL_RIGHT)
    with pytest.raises(ProgressError, match="already submitted"):
        store.finish_attempt(attempt, quiz, {"Q1": "A"})
    with pytest.raises(ProgressError, match="already submitted"):
        store.record_answer(attempt, quiz, "Q1", "A")


def test_an_unknown_attempt_is_refused(store, quiz):
    with pytest.raises(ProgressError, match="no attempt 'nope'"):
        store.record_answer("nope", quiz, "Q1", "A")


def test_an_empty_student_name_is_refused(store, quiz):
    with pytest.raises(ProgressError, match="enter a student name"):
        store.start_attempt("   ", quiz)


def test_an_overlong_student_name_is_refused(store, quiz):
    with pytest.raises(ProgressError, match="the limit is 60"):
        store.start_attempt("x" * 61, quiz)


def test_names_are_one_student_whatever_the_case_and_spacing(store, quiz):
    store.finish_attempt(store.start_attempt("Li Hua", quiz), quiz, ALL_RIGHT)
    store.finish_attempt(store.start_attempt("  li   hua ", quiz), quiz, {})
    assert store.students() == ["Li Hua"]
    assert [s.correct for s in store.history("LI HUA")] == [3, 0]


def test_history_lists_only_submitted_attempts_oldest_first(store, quiz):
    store.start_attempt("Li Hua", quiz)  # abandoned: never submitted
    first = store.start_attempt("Li Hua", quiz)
    store.finish_attempt(first, quiz, {"Q1": "B"})
    second = store.start_attempt("Li Hua", quiz)
    store.finish_attempt(second, quiz, ALL_RIGHT)
    history = store.history("Li Hua")
    assert [h.attempt_id for h in history] == [first, second]
    assert [round(h.percent) for h in history] == [33, 100]
    assert history[1].to_dict()["sections"]["2"] == {"correct": 2, "total": 2}


def test_accuracy_per_question_type_covers_all_submitted_attempts_weakest_first(store, quiz):
    store.finish_attempt(store.start_attempt("Li Hua", quiz), quiz, {"Q1": "B", "Q2": "A", "Q3": "A"})
    store.finish_attempt(store.start_attempt("Li Hua", quiz), quiz, {"Q1": "B", "Q2": "C", "Q3": "B"})
    scores = store.accuracy_by_type("Li Hua")
    assert {t: (s.correct, s.total) for t, s in scores.items()} == {"price": (1, 2), "detail": (1, 2), "time": (2, 2)}
    assert list(scores)[-1] == "time"


def test_students_do_not_see_each_other(store, quiz):
    store.finish_attempt(store.start_attempt("Li Hua", quiz), quiz, ALL_RIGHT)
    assert store.history("Wang Fang") == []
    assert store.accuracy_by_type("Wang Fang") == {}


def test_csv_export_has_one_row_per_submitted_answer(store, quiz, tmp_path):
    store.finish_attempt(store.start_attempt("Li Hua", quiz), quiz, {"Q1": "B"})
    store.finish_attempt(store.start_attempt("Wang Fang", quiz), quiz, ALL_RIGHT)
    assert store.export_csv(tmp_path / "all.csv") == 6
    count = store.export_csv(tmp_path / "li.csv", student="Li Hua")
    with (tmp_path / "li.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert count == 3 and {r["student"] for r in rows} == {"Li Hua"}
    assert [(r["question_id"], r["chosen"], r["answer"], r["correct"]) for r in rows] == [
        ("Q1", "B", "B", "1"), ("Q2", "", "C", "0"), ("Q3", "", "A", "0")]


def test_the_database_runs_in_wal_mode(store):
    with sqlite3.connect(store.path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_two_tabs_answering_the_same_set_at_once_keep_their_own_attempts(tmp_path, quiz):
    """Two threads, each with its own store object on one file, interleave every write."""
    path = tmp_path / "progress.sqlite3"
    ProgressStore(path)
    barrier = threading.Barrier(2)
    attempts: dict[str, str] = {}
    errors: list[BaseException] = []
    picks = {"tab-1": ALL_RIGHT, "tab-2": {"Q1": "A", "Q2": "A", "Q3": "A"}}

    def tab(name: str) -> None:
        try:
            store = ProgressStore(path)
            barrier.wait()
            attempt = store.start_attempt("Li Hua", quiz)
            attempts[name] = attempt
            for question_id, letter in picks[name].items():
                barrier.wait()
                store.record_answer(attempt, quiz, question_id, letter)
            barrier.wait()
            store.finish_attempt(attempt, quiz, {})
        except BaseException as error:  # reported by the main thread
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=tab, args=(name,)) for name in picks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    store = ProgressStore(path)
    assert attempts["tab-1"] != attempts["tab-2"]
    assert store.students() == ["Li Hua"]
    scores = {h.attempt_id: h.correct for h in store.history("Li Hua")}
    assert scores == {attempts["tab-1"]: 3, attempts["tab-2"]: 1}
    assert store.saved_answers(attempts["tab-2"]) == picks["tab-2"]
