"""The app's handlers called as plain functions (no browser, no server), with the tiny random model.

Every bad input has its own test; each checks the message the user gets and that nothing the user
did (the recording, the chat) was lost.
"""

from __future__ import annotations

import gradio as gr
import numpy as np
import pytest
import soundfile as sf

from app import ask, model_panel
from app.ask import PLAIN, STEPS, AskSession
from app.cot_view import STRATEGIES
from app.service import ModelService, friendly_error
from wavllm_core.audio import AudioError
from wavllm_core.hub import ModelNotFoundError
from wavllm_core.processing import InputTooLongError

ONE_PROMPT, CHAINED = list(STRATEGIES)
FAST = {"temperature": 0.5, "top_p": 1.0, "max_new_tokens": 8, "seed": 7, "greedy": False}
# Greedy tiny-random never ends early when its loops are let run.
LONG_GREEDY = {**FAST, "max_new_tokens": 512, "greedy": True, "cut_loops": False}


@pytest.fixture(scope="module")
def service() -> ModelService:
    return ModelService("tiny-random", device="cpu")


@pytest.fixture
def session() -> AskSession:
    return AskSession()


@pytest.fixture(scope="module")
def other_wav(tmp_path_factory) -> str:
    from conftest import speechlike

    path = tmp_path_factory.mktemp("other") / "other.wav"
    sf.write(path, speechlike(2.0, seed=5).samples, 16_000, subtype="PCM_16")
    return str(path)


def submit(service, session, audio, instruction="Transcribe the audio.", mode=PLAIN, strategy=ONE_PROMPT, **settings):
    values = {"guide": True, "cut_loops": True, **FAST, **settings}
    return ask.submit(service, session, str(audio) if audio else audio, instruction, mode, strategy,
                      values["temperature"], values["top_p"], values["max_new_tokens"], values["seed"], values["greedy"],
                      values["guide"], values["cut_loops"])


def run(service, session, audio, instruction="Transcribe the audio.", **kwargs) -> list[tuple]:
    """Submit, then drain the streamed generation; the list of everything it yielded."""
    submit(service, session, audio, instruction, **kwargs)
    return list(ask.generate(service, session))


def snapshot(session: AskSession) -> tuple:
    return (session.audio, [dict(m) for m in session.messages], list(session.turns), len(session.records))


def assistant_texts(session: AskSession) -> list[str]:
    return [m["content"] for m in session.messages if m["role"] == "assistant" and isinstance(m["content"], str)]


# Asking and streaming ----------------------------------------------------------------------

def test_submit_shows_the_recording_and_the_question_before_any_answer(service, session, wav_file):
    _, messages, submit_button, stop_button, *_ = submit(service, session, wav_file, "What is said?")
    assert messages[0] == {"role": "user", "content": {"path": str(wav_file)}}
    assert messages[1] == {"role": "user", "content": "What is said?"}
    assert "waiting" in messages[2]["content"]
    assert submit_button["interactive"] is False and stop_button["interactive"] is True
    list(ask.generate(service, session))


def test_answer_streams_into_the_chat_piece_by_piece(service, session, wav_file):
    outputs = run(service, session, wav_file, max_new_tokens=24)
    partial = [out[1][-1]["content"] for out in outputs[:-1]]
    assert partial and all(text.endswith("▌") for text in partial)
    assert session.messages[-1]["content"] == session.last_text
    assert len(session.turns) == 1 and session.turns[0].answer == session.last_text


def test_follow_up_question_gets_the_earlier_turn_as_context(service, session, wav_file):
    run(service, session, wav_file, "Transcribe the audio.")
    run(service, session, wav_file, "Now summarise it.")
    assert session.last.history_len == 1 and len(session.turns) == 2
    prompt = session.records[-1].stats["rendered_prompt"]
    assert prompt.index("Transcribe the audio.") < prompt.index("Now summarise it.")


def test_a_new_recording_starts_a_new_conversation_and_keeps_the_old_chat(service, session, wav_file, other_wav):
    run(service, session, wav_file)
    before = len(session.messages)
    run(service, session, other_wav)
    assert session.messages[before]["content"].startswith("*New recording")
    assert len(session.messages) > before + 3 and len(session.turns) == 1 and session.last.history_len == 0


def test_an_empty_instruction_asks_for_the_spoken_question(service, session, wav_file):
    run(service, session, wav_file, "")
    assert "question asked in the recording" in session.messages[1]["content"]
    assert session.records[-1].stats["rendered_prompt"].endswith("</SPEECH>  [/INST]")


def test_a_random_seed_is_drawn_and_reported_so_the_answer_can_be_reproduced(service, session, wav_file):
    run(service, session, wav_file, seed=-1)
    drawn = session.records[-1].seed
    again = AskSession()
    run(service, again, wav_file, seed=drawn)
    assert isinstance(drawn, int) and drawn >= 0 and again.last_text == session.last_text


# Step-by-step (CoT) -------------------------------------------------------------------------

def test_step_mode_shows_each_step_in_its_own_collapsible_section(service, session, wav_file):
    outputs = run(service, session, wav_file, "Transcribe the audio\nTranslate it into German", mode=STEPS)
    titles = [m["metadata"]["title"] for m in session.messages if m.get("metadata")]
    assert titles == ["Step 1/2: Transcribe the audio", "Step 2/2: Translate it into German"]
    streamed = [m for out in outputs[:-1] for m in out[1] if m.get("metadata")]
    assert any(m["metadata"].get("status") == "pending" for m in streamed)  # open, with a spinner, while streaming
    assert "one prompt" in session.messages[-1]["content"]


def test_chained_steps_get_one_details_entry_each(service, session, wav_file):
    run(service, session, wav_file, "1. Transcribe 2. Summarise 3. Translate", mode=STEPS, strategy=CHAINED)
    assert [r.label for r in session.records] == ["#1 step 1/3", "#1 step 2/3", "#1 step 3/3"]
    assert session.turns[-1].answer == session.last_text


def test_step_mode_with_a_single_step_is_refused_with_the_accepted_forms(service, session, wav_file):
    with pytest.raises(gr.Error, match="one per line"):
        submit(service, session, wav_file, "Transcribe the audio.", mode=STEPS)
    assert session.messages == [] and not service.is_running(session.key)


# Details, regenerate, clear, ablation -------------------------------------------------------

def test_details_show_the_prompt_the_figures_and_the_scale_vector(service, session, wav_file):
    *_, final = run(service, session, wav_file, "Describe the speaker.")
    choice, prompt, figures, plot = final[2:6]
    assert choice["value"] == "#1 Describe the speaker." and "Describe the speaker. [/INST]" in prompt
    for figure in ("audio frames", "prompt tokens", "new tokens", "time to first token", "tokens per second", "peak process memory"):
        assert figure in figures
    assert list(plot.columns) == ["channel", "r"]
    assert len(plot) == service.loaded.model.config.text_config.hidden_size and (plot["r"] >= 0).all()


def test_the_guide_box_leaves_the_weight_to_the_model_and_unticked_turns_guidance_off():
    assert ask.decoding_settings(0.5, 1.0, 64, 1, True).ctc_weight is None
    assert ask.decoding_settings(0.5, 1.0, 64, 1, True, False).ctc_weight == 0.0


def test_details_say_at_which_weight_a_transcript_was_guided():
    record = ask.AnswerRecord(label="#1", model="wavllm-mini", seed=1, stats={"ctc_weight": 0.5}, scale=None)
    assert "| guided by the frames' CTC read-out at weight | 0.5 |" in ask.details_markdown(record)
    plain = ask.AnswerRecord(label="#2", model="wavllm-mini", seed=1, stats={"ctc_weight": None}, scale=None)
    assert "| guided by the frames' CTC read-out at weight | — |" in ask.details_markdown(plain)


def test_a_reply_that_loops_is_cut_and_says_so_in_the_chat_and_the_details(service, session, wav_file):
    *_, final = run(service, session, wav_file, "Transcribe.", max_new_tokens=80, greedy=True)  # tiny-random loops here
    record = session.records[-1]
    assert record.stats["loop_cut"] and record.stats["new_tokens"] < 80
    assert "repeating itself" in final[1][-1]["content"] and "| loop cut | yes" in final[4]
    run(service, session, wav_file, "Transcribe.", max_new_tokens=80, greedy=True, cut_loops=False)
    assert not session.records[-1].stats["loop_cut"] and session.records[-1].stats["new_tokens"] == 80


def test_details_of_an_earlier_answer_can_be_picked(service, session, wav_file):
    run(service, session, wav_file, "First question")
    run(service, session, wav_file, "Second question")
    prompt, figures, _ = ask.show_details(session, session.records[0].label)
    assert "First question" in prompt and "Second question" not in prompt


def test_regenerate_replaces_the_last_answer(service, session, wav_file):
    run(service, session, wav_file, "Transcribe the audio.")
    count = len(session.messages)
    ask.regenerate(service, session, 0.5, 1.0, 8, 99, False)
    list(ask.generate(service, session))
    assert len(session.messages) == count and len(session.turns) == 1 and session.records[-1].seed == 99


def test_regenerate_before_any_answer_is_refused(service, session):
    with pytest.raises(gr.Error, match="nothing to regenerate"):
        ask.regenerate(service, session, 0.5, 1.0, 8, 1, False)


def test_clear_starts_an_empty_conversation(service, session, wav_file):
    run(service, session, wav_file)
    outputs = ask.clear(service, session)
    assert outputs[1] == [] and session.turns == [] and session.records == [] and session.last is None


def test_ablation_repeats_the_last_request_with_silence_beside_the_real_answer(service, session, wav_file):
    run(service, session, wav_file, "What is said?", max_new_tokens=12)
    real, waiting, *_ = ask.start_ablation(service, session)
    *_, (real_box, silent_box, verdict, *_) = list(ask.run_ablation(service, session))
    assert real == real_box == session.last_text and "waiting" in waiting
    assert silent_box and "seed (7)" in verdict and not service.is_running(session.key)


def test_ablation_before_any_answer_is_refused(service, session):
    with pytest.raises(gr.Error, match="ask something first"):
        ask.start_ablation(service, session)


# Bad input: each refused with a message, nothing lost ----------------------------------------

def test_submit_with_no_audio_is_refused_and_changes_nothing(service, session):
    with pytest.raises(gr.Error, match="no recording yet"):
        submit(service, session, None)
    assert snapshot(session) == (None, [], [], 0)


def test_a_non_audio_file_is_refused_with_the_supported_formats(service, session, wav_file, tmp_path):
    run(service, session, wav_file)
    before = snapshot(session)
    text_file = tmp_path / "notes.txt"
    text_file.write_text("this is not audio\n" * 20)
    with pytest.raises(gr.Error, match="could not read notes.txt as audio.*Supported formats"):
        submit(service, session, text_file)
    assert snapshot(session) == before


def test_a_zero_length_recording_is_refused(service, session, tmp_path):
    empty = tmp_path / "empty.wav"
    sf.write(empty, np.zeros(0, dtype=np.float32), 16_000, subtype="PCM_16")
    with pytest.raises(gr.Error, match="Audio problem"):
        submit(service, session, empty)
    assert snapshot(session) == (None, [], [], 0)


def test_a_ten_minute_recording_is_refused_with_the_maximum_and_kept(service, session, wav_file, tmp_path):
    run(service, session, wav_file)
    before = snapshot(session)
    long_file = tmp_path / "ten_minutes.wav"
    sf.write(long_file, np.full(600 * 16_000, 0.01, dtype=np.float32), 16_000, subtype="PCM_16")
    limit = service.processor.max_audio_seconds("Transcribe the audio.", 8)
    with pytest.raises(gr.Error, match=rf"600\.0 s long.*at most {int(limit)}\.\d s"):
        submit(service, session, long_file)
    assert snapshot(session) == before  # the chat stays; submit never writes the audio component
    notice = ask.describe_audio(service, str(long_file), "Transcribe the audio.", 8)
    assert "Too long" in notice and f"{limit:.1f} s" in notice


def test_an_over_long_instruction_is_refused_with_the_token_limit(service, session, wav_file):
    with pytest.raises(gr.Error, match="the limit is 400 tokens"):
        submit(service, session, wav_file, "please transcribe " * 300)
    assert snapshot(session) == (None, [], [], 0)


def test_out_of_range_settings_are_refused(service, session, wav_file):
    with pytest.raises(gr.Error, match="top-p"):
        submit(service, session, wav_file, top_p=0)
    with pytest.raises(gr.Error, match="max new tokens"):
        submit(service, session, wav_file, max_new_tokens=0)


def test_submit_pressed_twice_is_refused_while_the_first_answer_runs(service, session, wav_file):
    submit(service, session, wav_file, "First")
    count = len(session.messages)
    with pytest.raises(gr.Error, match="still being generated"):
        submit(service, session, wav_file, "Second")
    assert len(session.messages) == count
    list(ask.generate(service, session))
    run(service, session, wav_file, "Second")
    assert [t.instruction for t in session.turns] == ["First", "Second"]


def test_stop_mid_stream_ends_the_answer_then_submit_works_again(service, session, wav_file):
    submit(service, session, wav_file, **LONG_GREEDY)
    stream = ask.generate(service, session)
    next(stream)
    ask.stop(service, session)
    *_, final = list(stream)
    record = session.records[-1]
    assert record.stats["stopped"] and record.stats["new_tokens"] < 512
    assert "stopped" in final[1][-1]["content"] and session.turns == []  # a cut answer is not context
    run(service, session, wav_file, "Again")
    assert not session.records[-1].stats["stopped"] and len(session.turns) == 1


def test_stop_while_waiting_in_the_queue_stops_at_the_first_token(service, session, wav_file):
    submit(service, session, wav_file, **LONG_GREEDY)
    ask.stop(service, session)
    list(ask.generate(service, session))
    assert session.records[-1].stats["stopped"] and session.records[-1].stats["new_tokens"] <= 1


def test_model_switch_while_a_generation_runs_is_refused_and_the_answer_completes(service, session, wav_file):
    submit(service, session, wav_file, max_new_tokens=64, greedy=True, cut_loops=False)
    stream = ask.generate(service, session)
    next(stream)
    loaded = service.loaded
    with pytest.raises(gr.Error, match="generation is running"):
        model_panel.switch_model(service, "tiny-random", "", False)
    list(stream)
    assert service.loaded is loaded and not session.records[-1].stats["stopped"]
    assert session.records[-1].stats["new_tokens"] == 64


def test_an_error_during_generation_is_shown_in_the_chat_and_keeps_the_question(service, session, tmp_path, wav_file):
    vanishing = tmp_path / "gone.wav"
    vanishing.write_bytes(wav_file.read_bytes())
    submit(service, session, vanishing, "Where did it go?")
    vanishing.unlink()
    *_, final = list(ask.generate(service, session))
    assert final[1][-2]["content"] == "Where did it go?"
    assert final[1][-1]["content"].startswith("⚠ Audio problem: file not found")
    assert not service.is_running(session.key) and session.turns == []


# Presets, the recording notice, the API handler ------------------------------------------------

@pytest.mark.parametrize("task, option, expected", [
    ("Transcribe", None, ask.TRANSCRIBE),
    ("Translate", "French", "Translate the audio clip into French."),
    ("Speaker questions", "Only one speaker?", "Is there only one speaker in the audio clip?"),
    ("Answer the spoken question", None, ""),
])
def test_task_presets_fill_the_published_wordings(task, option, expected):
    language = option if task == "Translate" else "German"
    speaker = option if task == "Speaker questions" else "How many speakers?"
    assert ask.preset_instruction(task, language, speaker) == (expected, PLAIN)


def test_the_cot_preset_switches_to_step_mode_with_the_published_prompt():
    instruction, mode = ask.preset_instruction("Step-by-step (CoT)")
    assert mode == STEPS and instruction.startswith("First of all, transcribe") and "Lastly" in instruction


def test_the_free_preset_keeps_what_is_typed():
    assert ask.preset_instruction("Free", current="my own question") == ("my own question", PLAIN)


def test_the_recording_notice_shows_duration_and_the_models_maximum(service, wav_file):
    notice = ask.describe_audio(service, str(wav_file), "Transcribe", 512)
    limit = service.processor.max_audio_seconds("Transcribe", 512)
    assert "**3.00 s**" in notice and f"up to {limit:.1f} s" in notice


def test_the_api_handler_streams_text_then_returns_the_figures(service, wav_file):
    outputs = list(ask.api_ask(service, str(wav_file), "Transcribe", 0.5, 1.0, 6, 3, False))
    text, stats = outputs[-1]
    assert outputs[0][1] == {} and text == stats["text"] and stats["new_tokens"] == 6
    assert stats["model"] == "tiny-random" and stats["seed"] == 3 and stats["untrained"] is True


def test_the_examples_gallery_lists_the_bundled_samples():
    examples = ask.load_examples()
    assert len(examples) >= 5 and {"Transcribe", "Step-by-step (CoT)"} <= {e["task"] for e in examples}


# Service and model panel ---------------------------------------------------------------------

@pytest.mark.parametrize("error, start", [
    (AudioError("the file is empty"), "Audio problem: the file is empty"),
    (InputTooLongError("the audio is 600 s long"), "Too long: the audio is 600 s long"),
    (ModelNotFoundError("no model named 'x'"), "Model not found: no model named 'x'"),
    (ValueError("top-p must be above 0"), "Cannot do that: top-p must be above 0"),
    (RuntimeError("boom"), "Something went wrong (RuntimeError: boom). The server log"),
])
def test_errors_become_one_friendly_line(error, start):
    message = friendly_error(error)
    assert message.startswith(start) and "Traceback" not in message and "\n" not in message


def test_an_abandoned_stream_stops_decoding_and_frees_the_model(service, wav_file):
    stream = service.stream(str(wav_file), "Transcribe", ask.decoding_settings(0.5, 1.0, 512, 1, True))
    next(stream)
    assert service.busy
    stream.close()
    assert not service.busy


def test_the_model_panel_describes_the_loaded_model_and_warns_when_untrained(service):
    info = service.info()
    summary = model_panel.describe_model(info)
    assert "tiny-random" in summary and "float32" in summary and "cpu" in summary and "M |" in summary
    assert "Untrained weights: development only" in model_panel.banner_html(info)


def test_switching_to_an_unconverted_official_model_is_refused_and_keeps_the_current_one(service):
    loaded = service.loaded
    with pytest.raises(gr.Error, match="Model not found.*download"):
        model_panel.switch_model(service, "wavllm-7b", "", False)
    assert service.loaded is loaded


def test_switching_to_a_local_directory_loads_it(service):
    directory = str(service.loaded.directory)
    summary, banner, choice, status = model_panel.switch_model(service, "wavllm-7b", directory, False)
    assert "Loaded **tiny-random**" in status and banner["visible"] is True
    assert str(service.loaded.directory) == directory
