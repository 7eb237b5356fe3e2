"""The launched app over HTTP: the named API endpoints (gradio_client), the queue, the upload limit and
which files the server will hand out."""

from __future__ import annotations

import httpx
import pytest
from app_server import running_app
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from gradio_client.utils import Status

from app.service import MODEL_QUEUE, sample_dir

pytestmark = pytest.mark.slow
SAMPLE = sample_dir() / "weather_slt.wav"
REPO = sample_dir().parent.parent
SETTINGS = (0.5, 1.0, 8, 11, False)  # temperature, top-p, max new tokens, seed, greedy


@pytest.fixture(scope="module")
def server():
    with running_app() as app:
        yield app


@pytest.fixture(scope="module")
def client(server) -> Client:
    return Client(server.url, verbose=False)


def fetch(server, path: str) -> httpx.Response:
    return httpx.get(f"{server.url}/gradio_api/file={path}", timeout=10)


def test_ask_endpoint_returns_the_answer_and_its_figures(client):
    text, stats = client.predict(handle_file(str(SAMPLE)), "Transcribe the audio.", *SETTINGS, api_name="/ask")
    assert text == stats["text"] and stats["new_tokens"] == 8 and stats["seed"] == 11
    assert stats["audio_frames"] == 66 and "Transcribe the audio. [/INST]" in stats["rendered_prompt"]


def test_ask_endpoint_streams_the_text_as_it_is_made(client):
    job = client.submit(handle_file(str(SAMPLE)), "Transcribe the audio.", 0.5, 1.0, 24, 11, True, True, False,
                        api_name="/ask")  # loops let run: 24 tokens
    final_text, stats = job.result()
    partial = [text for text, figures in job.outputs() if not figures]
    assert partial and all(final_text.startswith(text.strip()) for text in partial) and stats["new_tokens"] == 24


def test_same_request_and_seed_give_the_same_answer(client):
    first = client.predict(handle_file(str(SAMPLE)), "Who speaks?", *SETTINGS, api_name="/ask")[0]
    assert client.predict(handle_file(str(SAMPLE)), "Who speaks?", *SETTINGS, api_name="/ask")[0] == first


def test_ask_steps_endpoint_reports_every_step(client):
    result = client.predict(handle_file(str(SAMPLE)), "1. Transcribe 2. Translate into German", "chained",
                            *SETTINGS, api_name="/ask_steps")
    assert result["finished"] and [s["instruction"] for s in result["steps"]] == ["Transcribe", "Translate into German"]
    assert all(step["status"] == "done" for step in result["steps"])


def test_model_info_endpoint_describes_the_loaded_model(client):
    info = client.predict(api_name="/model_info")
    assert info["name"] == "tiny-random" and info["untrained"] is True and info["device"] == "cpu"


def test_an_api_request_without_audio_gets_a_message_not_a_traceback(client):
    with pytest.raises(AppError, match="Audio problem: no audio was given") as caught:
        client.predict(None, "Transcribe", *SETTINGS, api_name="/ask")
    assert "Traceback" not in str(caught.value)


def test_every_model_event_shares_one_queue_slot(server):
    named = {fn.api_name: fn for fn in server.demo.fns.values() if fn.api_name}
    for name in ("ask", "ask_steps"):
        assert (named[name].concurrency_id, named[name].concurrency_limit) == (MODEL_QUEUE, 1)
    model_fns = [fn for fn in server.demo.fns.values() if fn.concurrency_id == MODEL_QUEUE]
    assert len(model_fns) >= 6 and all(fn.concurrency_limit == 1 for fn in model_fns)  # generate ×3, ablation, load, API


def test_waiting_requests_are_told_their_queue_position(server):
    clients = [Client(server.url, verbose=False) for _ in range(3)]
    jobs = [c.submit(handle_file(str(SAMPLE)), f"Question {i}", 0.5, 1.0, 48, i, True, True, False, api_name="/ask")
            for i, c in enumerate(clients)]
    answers = [job.result() for job in jobs]
    ranks = []
    for job in jobs:
        while not job.communicator.updates.empty():
            update = job.communicator.updates.get_nowait()
            if getattr(update, "code", None) == Status.IN_QUEUE and update.rank is not None:
                ranks.append(update.rank)
    assert all(stats["new_tokens"] == 48 for _, stats in answers)
    assert max(ranks) >= 1  # someone was told it waits behind another request


def test_upload_over_50_mb_is_refused_with_the_limit(server):
    payload = {"files": ("big.wav", b"\0" * (50 * 1024 * 1024 + 1), "audio/wav")}
    response = httpx.post(f"{server.url}/gradio_api/upload", files=payload, timeout=60)
    assert response.status_code == 413 and "maximum allowed size of 52428800 bytes" in response.text


def test_upload_under_the_limit_is_accepted(server):
    response = httpx.post(f"{server.url}/gradio_api/upload", files={"files": ("s.wav", SAMPLE.read_bytes(), "audio/wav")}, timeout=30)
    assert response.status_code == 200 and fetch(server, response.json()[0]).status_code == 200


def test_system_files_are_not_served(server):
    response = fetch(server, "/etc/passwd")
    assert response.status_code == 403 and "root:" not in response.text


@pytest.mark.parametrize("relative", ["app.py", "wavllm_core/hub.py", "tests/conftest.py", ".git/config",
                                      "assets/README.md", "assets/samples/../../app.py"])
def test_repository_files_outside_the_sample_folder_are_not_served(server, relative):
    response = fetch(server, str(REPO / relative))
    assert response.status_code in (403, 404) and "import" not in response.text


def test_the_model_cache_is_not_served(server):
    assert fetch(server, str(server.service.loaded.directory / "config.json")).status_code == 403


def test_the_bundled_samples_are_served(server):
    response = fetch(server, str(SAMPLE))
    assert response.status_code == 200 and response.content[:4] == b"RIFF"
