"""The Listening quiz over HTTP: no endpoint, page event or page config gives a key, an evidence span or
a transcript away before the paper is submitted; exam rules hold for API clients; two sessions keep
their own attempts; progress survives a restart of the app."""

from __future__ import annotations

import html
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from app_server import running_app
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from app import quiz
from app.quiz_review import key_text
from wavllm_core.quiz import bundled_sets

pytestmark = pytest.mark.slow
SET = bundled_sets()[0]
AUDIO = SET.conversations[0].audio
OVERRIDES = {  # what a real client would send; anything else gets the endpoint's default or example
    "name": "Leak Tester", "set_id": SET.id, "mode": quiz.EXAM, "conversation_id": SET.conversations[0].id,
    "question_id": "Q1", "letter": "B", "slow": False, "max_new_tokens": 8, "seed": 3,
}
PAGE_INPUTS = {"quiz-name": "Raw Tester", "quiz-set": SET.id, "quiz-mode": quiz.EXAM, "quiz-nav": "1",
               "quiz-review-choice": "Q1", "quiz-q0": "B"}  # conversations 2-5 have one question: one slot
REVEALING = {"quiz-submit"}  # the one control whose purpose is to reveal the key


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@contextmanager
def isolated_app(home) -> Iterator:
    """The app with its progress file under `home` (WAVLLM_HOME is read when the tab is built)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WAVLLM_HOME", str(home))
        with running_app() as app:
            yield app


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with isolated_app(tmp_path_factory.mktemp("quiz-home")) as app:
        yield app


def desk_of(app) -> quiz.QuizDesk:
    return next(fn.fn.args[0] for fn in app.demo.fns.values() if fn.api_name == "quiz_play")


def text_of(value) -> str:
    """One searchable text: JSON with real characters, HTML entities decoded."""
    return html.unescape(json.dumps(value, ensure_ascii=False, default=str))


def secrets(quiz_set) -> dict[str, list[str]]:
    evidence = sorted({repr(float(t)) for _, q in quiz_set.questions() if q.evidence for t in q.evidence})
    return {
        "key": [key_text(q.answer, q.options[q.answer]) for _, q in quiz_set.questions()],
        "evidence seconds": evidence,
        "transcript": [line.text for c in quiz_set.conversations for line in c.transcript],
    }


def leaks(text: str, quiz_set=SET) -> list[str]:
    found = [f"{kind}: {s}" for kind, items in secrets(quiz_set).items() for s in items
             if (re.search(rf"(?<![\d.]){re.escape(s)}(?!\d)", text) if kind == "evidence seconds" else s in text)]
    found += [f"answer field: {m}" for m in re.findall(r'"(?:answer|correct)": ?(?:"[ABC]"|true|false)', text)]
    return found


def call(client: Client, name: str, parameters: list[dict]) -> object:
    args = []
    for p in parameters:
        if p["component"] in ("Audio", "File"):
            args.append(handle_file(str(AUDIO)))
        elif p["parameter_name"] in OVERRIDES:
            args.append(OVERRIDES[p["parameter_name"]])
        else:
            args.append(p["parameter_default"] if p["parameter_has_default"] else p["example_input"])
    try:
        result = client.predict(*args, api_name=name)
    except AppError as error:
        return {"refused": str(error)}
    if isinstance(result, str) and result.endswith(".csv"):
        return open(result, encoding="utf-8").read()
    return result


# Nothing before submission --------------------------------------------------------------------------

def test_every_api_endpoint_keeps_the_key_back_until_submission(server):
    client = Client(server.url, verbose=False)
    endpoints = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    assert endpoints.keys() == httpx.get(f"{server.url}/gradio_api/info").json()["named_endpoints"].keys()
    order = ["/quiz_start", *[n for n in endpoints if n not in ("/quiz_start", "/quiz_submit")], "/quiz_submit"]
    before = {name: call(client, name, endpoints[name]["parameters"]) for name in order}
    assert before["/quiz_submit"]["submitted"] is False  # the first press only names the unanswered questions
    assert "reading time" in before["/quiz_play"]["refused"] and "review opens" in before["/quiz_explain"]["refused"]
    assert leaks(text_of(before)) == []
    after = client.predict(api_name="/quiz_submit")  # the second press submits: now everything is there
    assert after["submitted"] is True
    found = leaks(text_of(after))
    expected = [f"{kind}: {s}" for kind in ("evidence seconds", "transcript") for s in secrets(SET)[kind]]
    assert [item for item in expected if item not in found] == [] and '"answer": "B"' in " ".join(found)


def test_the_page_and_its_config_hold_no_key(server):
    for path in ("/config", "/gradio_api/info", "/"):
        response = httpx.get(f"{server.url}{path}", timeout=30)
        assert response.status_code == 200
        assert leaks(html.unescape(response.text)) == [], path


def _raw_call(url: str, session: str, dependency: dict, data: list) -> object:
    body = {"data": data, "fn_index": dependency["id"], "session_hash": session, "event_data": None,
            "trigger_id": dependency["targets"][0][0] if dependency["targets"] else None}
    if not dependency["queue"]:
        return httpx.post(f"{url}/gradio_api/run/predict", json=body, timeout=60).json()
    event = httpx.post(f"{url}/gradio_api/queue/join", json=body, timeout=30).json()["event_id"]
    messages = []
    with httpx.stream("GET", f"{url}/gradio_api/queue/data", params={"session_hash": session}, timeout=120) as stream:
        for line in stream.iter_lines():
            if line.startswith("data:"):
                message = json.loads(line[5:])
                messages.append(message)
                if message.get("event_id") == event and message.get("msg") == "process_completed":
                    return messages
    return messages


def test_every_page_event_keeps_the_key_back_until_submission(server):
    """The browser's own events (private: not in the API docs, but any client can send them)."""
    config = httpx.get(f"{server.url}/config").json()
    components = {c["id"]: c for c in config["components"]}
    elem = {c["id"]: c["props"].get("elem_id") for c in config["components"]}
    session = "raw-session-for-the-leak-test"
    start = next(d for d in config["dependencies"] if d["api_name"] == "quiz_start")
    _raw_call(server.url, session, start, [None, "Raw Tester", SET.id, quiz.EXAM])

    def inputs(dependency: dict) -> list:  # what the page would send: its controls' values
        return [PAGE_INPUTS.get(elem[i], components[i]["props"].get("value")) for i in dependency["inputs"]]

    responses, called = [], 0
    for dependency in config["dependencies"]:
        targets = {elem.get(target) for target, _ in dependency["targets"]}
        if dependency["api_visibility"] != "private" or not dependency["backend_fn"] or targets & REVEALING:
            continue
        responses.append(_raw_call(server.url, session, dependency, inputs(dependency)))
        called += 1
    text = text_of(responses)
    assert called >= 20 and "Raw Tester" in text  # the events ran in the session holding the attempt
    assert leaks(text) == []
    submit = next(d for d in config["dependencies"] if {elem.get(t) for t, _ in d["targets"]} & REVEALING)
    after = text_of([_raw_call(server.url, session, submit, inputs(submit)) for _ in range(2)])  # note, then submission
    first = SET.conversations[0]
    assert {f"key: {key_text(first.questions[0].answer, first.questions[0].options[first.questions[0].answer])}",
            *(f"transcript: {line.text}" for line in first.transcript)} <= set(leaks(after))


# Rules and files over HTTP ------------------------------------------------------------------------------

def test_a_practice_lock_reveals_that_question_and_nothing_else(server):
    client = Client(server.url, verbose=False)
    client.predict("Lock Tester", SET.id, quiz.PRACTICE, api_name="/quiz_start")
    client.predict("Q1", "C", api_name="/quiz_answer")
    locked = client.predict("Q1", api_name="/quiz_lock")
    question = SET.conversations[0].questions[0]
    assert (locked["answer"], locked["correct"]) == (question.answer, question.answer == "C")
    assert locked["transcript"] == [line.text for line in SET.conversations[0].transcript]
    rest = [line.text for c in SET.conversations[1:] for line in c.transcript]
    assert not any(sentence in text_of(locked) for sentence in rest)


def test_playing_a_section_1_conversation_twice_in_exam_mode_is_refused(server):
    desk, clock = desk_of(server), FakeClock(0.0)
    client = Client(server.url, verbose=False)
    original, desk.clock = desk.clock, clock
    try:
        client.predict("Exam Tester", SET.id, quiz.EXAM, api_name="/quiz_start")
        clock.now += quiz.READING_S_PER_QUESTION
        first = client.predict("S1-1", False, api_name="/quiz_play")
        with pytest.raises(AppError, match="section 1 recordings are played once in the exam"):
            client.predict("S1-1", False, api_name="/quiz_play")
    finally:
        desk.clock = original
    assert httpx.get(f"{server.url}/gradio_api/file={first}").status_code == 200


def test_a_sets_audio_is_served_but_never_its_manifest(server):
    audio = httpx.get(f"{server.url}/gradio_api/file={AUDIO}", timeout=10)
    manifest = httpx.get(f"{server.url}/gradio_api/file={SET.manifest_path}", timeout=10)
    assert audio.status_code == 200 and audio.content[:4] == b"fLaC"
    assert manifest.status_code in (403, 404) and '"answer"' not in manifest.text


def test_two_sessions_answering_the_same_set_at_once_are_recorded_separately(server):
    answers = {"first": "A", "second": "B"}

    def sit(label: str, letter: str, results: dict) -> None:
        client = Client(server.url, verbose=False)
        client.predict("Twin", SET.id, quiz.PRACTICE, api_name="/quiz_start")
        for _, question in SET.questions():
            client.predict(question.id, letter, api_name="/quiz_answer")
        client.predict(api_name="/quiz_submit")
        results[label] = client.predict("Twin", api_name="/quiz_progress")

    results: dict = {}
    threads = [threading.Thread(target=sit, args=(label, letter, results)) for label, letter in answers.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    attempts = results["second"]["attempts"] if len(results["second"]["attempts"]) == 2 else results["first"]["attempts"]
    expected = sorted(sum(q.answer == letter for _, q in SET.questions()) for letter in answers.values())
    assert len(attempts) == 2 and len({a["attempt_id"] for a in attempts}) == 2
    assert sorted(a["correct"] for a in attempts) == expected


# Persistence ---------------------------------------------------------------------------------------------

def test_progress_survives_a_restart_of_the_app(tmp_path):
    with isolated_app(tmp_path) as app:
        client = Client(app.url, verbose=False)
        client.predict("Restart Tester", SET.id, quiz.PRACTICE, api_name="/quiz_start")
        client.predict("Q1", SET.conversations[0].questions[0].answer, api_name="/quiz_answer")
        client.predict(api_name="/quiz_submit")
        submitted = client.predict(api_name="/quiz_submit")
    with isolated_app(tmp_path) as app:
        progress = Client(app.url, verbose=False).predict("restart tester", api_name="/quiz_progress")
    assert [(a["set_id"], a["correct"]) for a in progress["attempts"]] == [(SET.id, submitted["correct"])]
    assert submitted["correct"] == 1 and sum(t["total"] for t in progress["by_type"].values()) == SET.question_count
