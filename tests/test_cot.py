"""Multi-step (CoT) instructions: finding the steps, splitting answers, and both ways of running them."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest

from wavllm_core import cot
from wavllm_core.cot import (
    CHAINED,
    ONE_PROMPT,
    chained_instruction,
    one_line_instruction,
    plan_steps,
    run_steps,
    split_answer,
)
from wavllm_core.generation import Answer, DecodingSettings

PUBLISHED = cot.PUBLISHED_PROMPT
FAST = DecodingSettings(max_new_tokens=6, greedy=True)


def fake_answer(text: str, stopped: bool = False) -> Answer:
    return Answer(text=text, rendered_prompt="", audio_seconds=1.0, audio_frames=12, prompt_tokens=10,
                  new_tokens=len(text.split()), time_to_first_token_s=0.1, tokens_per_s=10.0, total_s=0.2,
                  prompt_scale_s=0.01, peak_rss_mb=1.0, peak_gpu_mb=None, lora_scale=None, stopped=stopped)


@pytest.fixture
def scripted_model(monkeypatch):
    """Replace decoding with a script: each call streams the next answer's words, recording its instruction."""
    script: list[str] = []
    asked: list[str] = []
    seeds: list[int | None] = []

    def stream(loaded, audio, instruction, settings, history=(), stop=None):
        asked.append(instruction)
        seeds.append(settings.seed)
        text = script.pop(0)
        for word in text.split(" "):
            yield word + " "
        yield fake_answer(text)

    monkeypatch.setattr(cot, "stream_answer", stream)
    return SimpleNamespace(script=script, asked=asked, seeds=seeds)


# Finding the steps --------------------------------------------------------------------------

def test_published_cot_prompt_has_three_steps_without_their_cue_words():
    plan = plan_steps(PUBLISHED)
    assert plan.style == "cues"
    assert plan.steps == (
        "Transcribe the audio recording into text, capturing every spoken word",
        "Given this audio clip and text, can you condense it into a clear, concise summary, no more than 20 words?",
        "Disregarding the sound, translate this English summary into German.",
    )


def test_published_style_prompt_is_sent_as_written():
    assert plan_steps(PUBLISHED).one_line == PUBLISHED


def test_one_step_per_line_drops_bullets_numbers_and_step_labels():
    plan = plan_steps("1. Transcribe the audio\n- Step 2: summarize it\n\n* translate the summary into French")
    assert plan.style == "lines"
    assert plan.steps == ("Transcribe the audio", "Summarize it", "Translate the summary into French")


def test_inline_numbered_steps_are_found_in_order():
    plan = plan_steps("1. Transcribe the audio. 2) Count the speakers. (3) Say who speaks first")
    assert plan.steps == ("Transcribe the audio.", "Count the speakers.", "Say who speaks first")


def test_numbers_that_are_not_a_sequence_from_one_are_not_steps():
    with pytest.raises(ValueError, match="at least two steps"):
        plan_steps("Describe the 2. and 3. sentences of this 3.5 second clip")


def test_a_single_instruction_is_refused_with_the_accepted_forms():
    with pytest.raises(ValueError, match="one per line, numbered"):
        plan_steps("Transcribe the audio.")


def test_listed_steps_are_sent_in_the_published_one_line_wording():
    assert one_line_instruction(["Transcribe the audio", "Summarize it.", "Translate it into German"]) == (
        "First of all, transcribe the audio; Additionally, summarize it; Lastly, translate it into German."
    )


def test_one_line_wording_keeps_names_and_acronyms_capitalised():
    assert one_line_instruction(["ASR the clip", "Translate into German"]).startswith("First of all, ASR the clip;")


# Splitting an answer ------------------------------------------------------------------------

def test_numbered_answer_is_split_into_its_steps():
    assert split_answer("1. Hello world. 2. A greeting. 3. Hallo Welt.", 3) == ["Hello world.", "A greeting.", "Hallo Welt."]


def test_cue_word_answer_is_split_into_its_steps():
    parts = split_answer("First of all, the man says hi. Additionally, a summary: hi. Lastly, Hallo.", 3)
    assert parts == ["the man says hi.", "a summary: hi.", "Hallo."]


def test_answer_without_step_marks_is_not_split():
    assert split_answer("Der Mann sagt hallo.", 3) is None


def test_decimals_and_ordinary_sentences_are_not_step_marks():
    assert split_answer("It lasts 1.5 seconds and then 2.5 more. Then it ends.", 3) is None


def test_an_answer_that_marks_only_some_steps_leaves_the_rest_empty():
    assert split_answer("Step 1: hi Step 2: there", 3) == ["hi", "there", ""]


# Chaining -----------------------------------------------------------------------------------

def test_chained_instruction_passes_earlier_results_in_one_line():
    text, cut = chained_instruction("Translate the summary into German.", [("Transcribe", "hello\nthere"), ("Summarize", "hi")])
    assert text == 'Earlier results: step 1 (Transcribe): "hello there"; step 2 (Summarize): "hi". Now: Translate the summary into German.'
    assert not cut and "\n" not in text


def test_chained_instruction_cuts_long_earlier_results_and_says_so():
    text, cut = chained_instruction("Summarize.", [("Transcribe", "word " * 400)], max_chars=50)
    assert cut and "…" in text and len(text) < 150


def test_first_chained_step_is_sent_alone():
    assert chained_instruction("Transcribe the audio.", []) == ("Transcribe the audio.", False)


# Running ------------------------------------------------------------------------------------

def test_one_prompt_run_asks_once_and_fills_each_step_as_the_answer_streams(scripted_model, clip):
    script, asked = scripted_model.script, scripted_model.asked
    script.append("1. Hello there. 2. A greeting. 3. Hallo.")
    plan = plan_steps("Transcribe\nSummarize\nTranslate into German")
    snapshots = [[step.text for step in run.steps] for run in run_steps(None, clip, plan, ONE_PROMPT)]
    assert asked == [plan.one_line]
    assert ["Hello there.", "", ""] in snapshots  # step 1 filled before step 2 began
    assert snapshots[-1] == ["Hello there.", "A greeting.", "Hallo."]


def test_one_prompt_answer_without_marks_is_shown_under_the_last_step_with_a_note(scripted_model, clip):
    scripted_model.script.append("Hallo Welt.")
    *_, run = run_steps(None, clip, plan_steps("Transcribe\nTranslate into German"), ONE_PROMPT)
    assert [step.text for step in run.steps] == ["", "Hallo Welt."]
    assert run.finished and any("shown whole under the last step" in note for note in run.notes)


def test_chained_run_passes_each_result_to_the_next_step(scripted_model, clip):
    script, asked = scripted_model.script, scripted_model.asked
    script += ["hello there", "a greeting"]
    *_, run = run_steps(None, clip, plan_steps("Transcribe\nSummarize"), CHAINED)
    assert asked[0] == "Transcribe"
    assert asked[1] == 'Earlier results: step 1 (Transcribe): "hello there". Now: Summarize'
    assert [step.text for step in run.steps] == ["hello there", "a greeting"]
    assert [step.status for step in run.steps] == ["done", "done"] and len(run.answers) == 2


def test_chained_steps_sample_with_the_seed_plus_the_step_index(scripted_model, clip):
    scripted_model.script += ["a", "b", "c"]
    list(run_steps(None, clip, plan_steps("x\ny\nz"), CHAINED, DecodingSettings(seed=40)))
    assert scripted_model.seeds == [40, 41, 42]


def test_chained_run_with_the_real_model_gives_every_step_its_own_answer(loaded_tiny, clip):
    *_, run = run_steps(loaded_tiny, clip, plan_steps("Transcribe\nSummarize\nTranslate"), CHAINED, FAST)
    assert len(run.answers) == 3 and all(step.status == "done" for step in run.steps)
    assert run.steps[0].text in run.steps[1].sent_instruction or not run.steps[0].text


def test_one_prompt_run_with_the_real_model_renders_the_one_line_prompt(loaded_tiny, clip):
    plan = plan_steps(PUBLISHED)
    *_, run = run_steps(loaded_tiny, clip, plan, ONE_PROMPT, FAST)
    assert len(run.answers) == 1 and PUBLISHED in run.answers[0].rendered_prompt


def test_stop_before_a_chained_step_skips_it_and_the_rest(loaded_tiny, clip):
    stop = threading.Event()
    stop.set()
    *_, run = run_steps(loaded_tiny, clip, plan_steps("Transcribe\nSummarize"), CHAINED, FAST, stop=stop)
    assert run.stopped and [step.status for step in run.steps] == ["skipped", "skipped"]
    assert run.answers == []


def test_unknown_strategy_is_refused(clip):
    with pytest.raises(ValueError, match="one-prompt, chained"):
        next(run_steps(None, clip, plan_steps("a\nb"), "parallel"))
