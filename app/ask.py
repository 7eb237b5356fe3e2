"""The Ask tab: a recording, an instruction, a streamed answer, a multi-turn chat about that recording.

Handlers are plain functions (generators where they stream) of the shared `ModelService` and the
browser session's `AskSession`, so tests call them without a browser. A refused request raises
`gr.Error` before anything in the session changes: the recording and the chat are never lost.
Submit is two events: `submit` (instant: checks, shows the question) then `generate` (queued
behind other sessions' generations, streams the answer).
"""

from __future__ import annotations

import functools
import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import gradio as gr
import pandas as pd

from wavllm_core import cot, prompts
from wavllm_core.audio import AudioError, load_audio
from wavllm_core.generation import Answer, DecodingSettings
from wavllm_core.processing import Turn, normalize_instruction

from . import cot_view
from .service import MODEL_QUEUE, ModelService, friendly_error, refusal, sample_dir

# Task presets: published WavLLM wordings where they exist (ASR, ST, SV, CoT), ours otherwise.
TRANSCRIBE = prompts.ASR
TRANSLATE = prompts.TRANSLATE
ONE_SPEAKER = prompts.ONE_SPEAKER
HOW_MANY_SPEAKERS = "How many speakers are there in the audio clip?"
EMOTION = "What is the emotion of the speaker? Answer with one word, such as happy, sad, angry or neutral."
GAOKAO = "What will the man do next? A. Start to take exercise; B. Do as he always does; C. Change his working time."
COT = cot.PUBLISHED_PROMPT
# CoVoST 2 en→x targets first (what WavLLM's translation was evaluated on), then a few more.
LANGUAGES = ("German", "Chinese", "Japanese", "Arabic", "Catalan", "Estonian", "Indonesian", "Latvian",
             "Mongolian", "Persian", "Slovenian", "Swedish", "Tamil", "Turkish", "Welsh", "French", "Spanish")
SPEAKER_QUESTIONS = {"How many speakers?": HOW_MANY_SPEAKERS, "Only one speaker?": ONE_SPEAKER}
TASKS = ("Transcribe", "Translate", "Speaker questions", "Emotion", "Answer the spoken question",
         "Gaokao-style multiple choice", "Step-by-step (CoT)", "Free")
PLAIN, STEPS = "Answer", "Step by step (CoT)"
MODES = (PLAIN, STEPS)
RANDOM_SEED = -1
UPLOAD_LIMIT_MB = 50
_NO_INSTRUCTION = "*(no instruction: answer the question asked in the recording)*"
_WAITING = "*waiting for the model…*"


# Session state -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Request:
    """One checked request, kept so that Regenerate and the ablation can repeat it."""

    audio: str
    instruction: str  # as typed (steps may be one per line)
    line: str  # the one-line instruction sent (a multi-step plan's one-prompt form)
    settings: DecodingSettings
    plan: cot.StepPlan | None = None
    strategy: str = cot.ONE_PROMPT
    history_len: int = 0
    message_index: int = 0  # where this exchange starts in the chat
    epoch: int = 0


@dataclass(frozen=True)
class AnswerRecord:
    """What the Details panel shows for one answer (plain values: sessions are deep-copied)."""

    label: str
    model: str
    seed: int | None
    stats: dict
    scale: list[float] | None


@dataclass
class AskSession:
    """One browser session's conversation about one recording."""

    id: str = ""  # drawn on first use: gr.State deep-copies one initial value for every browser session
    audio: str | None = None
    messages: list[dict] = field(default_factory=list)
    turns: list[Turn] = field(default_factory=list)
    records: list[AnswerRecord] = field(default_factory=list)
    pending: Request | None = None
    last: Request | None = None
    last_text: str = ""
    epoch: int = 0  # bumped by Clear, so a generation still finishing cannot write into the new chat

    @property
    def key(self) -> str:
        """This session's id for the service (Stop, double-submit checks)."""
        if not self.id:
            self.id = uuid.uuid4().hex
        return self.id

    def reset(self) -> None:
        self.audio, self.pending, self.last, self.last_text = None, None, None, ""
        self.messages, self.turns, self.records = [], [], []
        self.epoch += 1


# Presets and settings ----------------------------------------------------------------------

def preset_instruction(task: str, language: str = "German", speaker_question: str = "How many speakers?",
                       current: str = "") -> tuple[str, str]:
    """(instruction, mode) for a task preset; "Free" keeps what is typed."""
    presets = {
        "Transcribe": TRANSCRIBE,
        "Translate": TRANSLATE.format(language=language or "German"),
        "Speaker questions": SPEAKER_QUESTIONS.get(speaker_question, HOW_MANY_SPEAKERS),
        "Emotion": EMOTION,
        "Answer the spoken question": "",
        "Gaokao-style multiple choice": GAOKAO,
        "Step-by-step (CoT)": COT,
    }
    if task not in presets:
        return current, PLAIN
    return presets[task], STEPS if task == "Step-by-step (CoT)" else PLAIN


def apply_task(task: str, language: str, speaker_question: str, current: str):
    """Task preset changed: fill the instruction, pick the mode, show the preset's own options."""
    instruction, mode = preset_instruction(task, language, speaker_question, current)
    return (instruction, mode, gr.update(visible=task == "Translate"),
            gr.update(visible=task == "Speaker questions"), gr.update(visible=mode == STEPS))


def show_strategy(mode: str):
    return gr.update(visible=mode == STEPS)


def decoding_settings(temperature: float, top_p: float, max_new_tokens: float, seed: float | None,
                      greedy: bool, guide_transcripts: bool = True, cut_loops: bool = True) -> DecodingSettings:
    """UI values → settings; an empty or negative seed draws one, so every answer can be reproduced.
    `guide_transcripts` off decodes transcript requests without the frames' CTC read-out;
    `cut_loops` off lets a reply that repeats itself run on to the token budget."""
    if max_new_tokens is None or temperature is None or top_p is None:
        raise ValueError("temperature, top-p and max new tokens all need a value")
    seed = None if seed is None or seed < 0 else int(seed)
    if seed is None:
        seed = random.SystemRandom().randrange(2**31)
    return DecodingSettings(max_new_tokens=int(max_new_tokens), temperature=float(temperature),
                            top_p=float(top_p), greedy=bool(greedy), seed=seed,
                            ctc_weight=None if guide_transcripts else 0.0, stop_loops=bool(cut_loops))


# The recording -------------------------------------------------------------------------------

def describe_audio(service: ModelService, audio: str | None, instruction: str = "", max_new_tokens: float = 512) -> str:
    """Duration and format of the recording, with a notice when it is long or will be refused."""
    if not audio:
        return (f"*No recording yet: record with the microphone or upload a file "
                f"(WAV, FLAC, OGG or MP3, up to {UPLOAD_LIMIT_MB} MB).*")
    try:
        clip = load_audio(audio)
    except AudioError as error:
        return f"⚠ {friendly_error(error)}"
    parts = [f"**{clip.duration_s:.2f} s**", f"{clip.source_rate} Hz, {clip.source_channels} channel(s)"]
    lines = [" · ".join(parts)]
    if clip.warnings:
        lines.append("Notes: " + "; ".join(clip.warnings) + ".")
    try:
        limit = service.processor.max_audio_seconds(normalize_instruction(instruction), int(max_new_tokens or 512))
    except Exception as error:
        return "\n\n".join([*lines, f"⚠ {friendly_error(error)}"])
    if clip.duration_s > limit:
        lines.append(
            f"⚠ **Too long for this model**: it takes at most **{limit:.1f} s** with this instruction and "
            f"{int(max_new_tokens)} new tokens, so this recording will be refused (nothing is cut silently). "
            "Trim it with the ✂ button of the player, or lower the maximum number of new tokens."
        )
    elif clip.duration_s > 30:
        lines.append(f"Note: long recording: the Whisper encoder hears it in 30 s pieces; the model's maximum is "
                     f"{limit:.1f} s with this instruction.")
    else:
        lines.append(f"The model takes up to {limit:.1f} s with this instruction.")
    return "\n\n".join(lines)


# Chat helpers --------------------------------------------------------------------------------

def _assistant(text: str) -> dict:
    return {"role": "assistant", "content": text}


def _set_reply(session: AskSession, request: Request, reply: list[dict]) -> None:
    if request.epoch == session.epoch:
        session.messages = session.messages[: request.message_index + 1] + reply


def _open_exchange(session: AskSession, request: Request) -> Request:
    """Show the question (and, for a new recording, the recording) with a placeholder answer."""
    if session.audio != request.audio:
        if session.messages:
            session.messages.append(_assistant("*New recording: a new conversation starts here "
                                               "(earlier turns are not used as context).*"))
        session.turns = []
        session.audio = request.audio
        session.messages.append({"role": "user", "content": {"path": request.audio}})
    request = replace(request, message_index=len(session.messages), epoch=session.epoch)
    session.messages.append({"role": "user", "content": request.instruction.strip() or _NO_INSTRUCTION})
    session.messages.append(_assistant(_WAITING))
    session.pending = request
    return request


def _busy(busy: bool) -> tuple:
    """Submit / Stop / Regenerate / Ablation interactivity while a generation runs or not."""
    return (gr.update(interactive=not busy), gr.update(interactive=busy),
            gr.update(interactive=not busy), gr.update(interactive=not busy))


def _check_request(service: ModelService, session: AskSession, audio: str | None, instruction: str | None,
                   mode: str, strategy_label: str, settings: DecodingSettings) -> Request:
    if not audio:
        raise AudioError("no recording yet: record with the microphone or upload a file, then press Submit")
    service.ensure_idle(session.key)
    plan = cot.plan_steps(instruction) if mode == STEPS else None
    line = plan.one_line if plan is not None else normalize_instruction(instruction)
    history = session.turns if session.audio == audio else []
    service.check(audio, line, settings, history)
    return Request(audio=audio, instruction=instruction or "", line=line, settings=settings, plan=plan,
                   strategy=cot_view.strategy_from_label(strategy_label), history_len=len(history))


# Submit / generate / stop / regenerate / clear -------------------------------------------

def submit(service: ModelService, session: AskSession, audio: str | None, instruction: str | None, mode: str,
           strategy_label: str, temperature: float, top_p: float, max_new_tokens: float, seed: float | None,
           greedy: bool, guide_transcripts: bool = True, cut_loops: bool = True):
    """Check the request and show it; the answer comes from `generate`. Refusals change nothing."""
    try:
        settings = decoding_settings(temperature, top_p, max_new_tokens, seed, greedy, guide_transcripts, cut_loops)
        request = _check_request(service, session, audio, instruction, mode, strategy_label, settings)
        service.begin(session.key)
    except Exception as error:
        raise refusal(error) from None
    _open_exchange(session, request)
    return (session, session.messages, *_busy(True))


def regenerate(service: ModelService, session: AskSession, temperature: float, top_p: float,
               max_new_tokens: float, seed: float | None, greedy: bool, guide_transcripts: bool = True,
               cut_loops: bool = True):
    """Answer the last request again (with the current settings), replacing its answer."""
    last = session.last
    try:
        if last is None:
            raise ValueError("nothing to regenerate yet: ask something first")
        service.ensure_idle(session.key)
        settings = decoding_settings(temperature, top_p, max_new_tokens, seed, greedy, guide_transcripts, cut_loops)
        service.check(last.audio, last.line, settings, session.turns[: last.history_len])
        service.begin(session.key)
    except Exception as error:
        raise refusal(error) from None
    session.messages = session.messages[: last.message_index]
    session.turns = session.turns[: last.history_len]
    _open_exchange(session, replace(last, settings=settings))
    return (session, session.messages, *_busy(True))


def generate(service: ModelService, session: AskSession) -> Iterator[tuple]:
    """Stream the pending request's answer into the chat; errors become a message in the chat."""
    request = session.pending
    if request is None:
        return
    stop_event = service.current(session.key)
    history = session.turns[: request.history_len]
    answer_with = _answer_plain if request.plan is None else _answer_steps
    try:
        records, final_text, stopped = yield from answer_with(service, session, request, history, stop_event)
        if request.epoch == session.epoch:
            if not stopped:
                session.turns.append(Turn(request.line, final_text))
            session.records.extend(records)
            session.last, session.last_text = request, final_text
    except Exception as error:
        _set_reply(session, request, [_assistant(f"⚠ {friendly_error(error)}")])
    finally:
        service.finish(session.key)
        session.pending = None
    record = session.records[-1] if session.records else None
    yield (session, session.messages, *_details_outputs(session, record), *_busy(False))


def _answer_plain(service, session, request, history, stop_event):
    """One streamed answer; returns (details records, answer text, stopped)."""
    text, answer = "", None
    for item in service.stream(request.audio, request.line, request.settings, history, stop_event):
        if isinstance(item, Answer):
            answer = item
        else:
            text += item
            _set_reply(session, request, [_assistant(text + " ▌")])
            yield _streaming(session)
    note = " ■ *(stopped: not used as context)*" if answer.stopped else ""
    if answer.loop_cut:
        note += " ↻ *(the reply began repeating itself: stopped there, the repeats removed)*"
    _set_reply(session, request, [_assistant((answer.text or "*(empty answer)*") + note)])
    label = f"#{len(session.records) + 1} {_short(request.line)}"
    return [_record(service, label, answer, request)], answer.text, answer.stopped


def _answer_steps(service, session, request, history, stop_event):
    """A multi-step answer, one chat section per step; returns (records, all steps' text, stopped)."""
    group = uuid.uuid4().hex[:8]
    steps = service.stream_steps(request.audio, request.plan, request.strategy, request.settings, history, stop_event)
    for run in steps:
        _set_reply(session, request, cot_view.step_messages(run, group))
        yield _streaming(session)
    number = len(session.records) + 1
    labels = ([f"#{number} step {i}/{len(run.steps)}" for i in range(1, len(run.answers) + 1)]
              if request.strategy == cot.CHAINED else [f"#{number} {_short(request.line)}"])
    records = [_record(service, label, answer, request) for label, answer in zip(labels, run.answers)]
    return records, run.summary_text, run.stopped


def _streaming(session: AskSession) -> tuple:
    return (session, session.messages, *([gr.skip()] * 4), *_busy(True))


def stop(service: ModelService, session: AskSession) -> None:
    """Stop this session's generation at once (also one still waiting in the queue)."""
    service.stop(session.key)


def clear(service: ModelService, session: AskSession):
    """A new conversation (the recording stays in its component); a running answer is stopped."""
    service.stop(session.key)
    session.reset()
    return (session, [], *_details_outputs(session, None), "", "", "", *_busy(False))


# Details panel ---------------------------------------------------------------------------------

def _short(text: str, limit: int = 40) -> str:
    text = text or "(spoken question)"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _record(service: ModelService, label: str, answer: Answer, request: Request) -> AnswerRecord:
    scale = None if answer.lora_scale is None else answer.lora_scale.tolist()
    return AnswerRecord(label=label, model=service.loaded.name, seed=request.settings.seed,
                        stats=answer.stats(), scale=scale)


_FIGURES = (
    ("audio_seconds", "audio", "{:.2f} s"), ("audio_frames", "audio frames (12.5 per s)", "{}"),
    ("prompt_tokens", "prompt tokens", "{}"), ("new_tokens", "new tokens", "{}"),
    ("time_to_first_token_s", "time to first token", "{:.3f} s"), ("tokens_per_s", "tokens per second", "{:.1f}"),
    ("total_s", "total time", "{:.2f} s"), ("prompt_scale_s", "prompt-scale time", "{:.3f} s"),
    ("peak_rss_mb", "peak process memory", "{:.0f} MB"), ("peak_gpu_mb", "peak GPU memory", "{:.0f} MB"),
    ("lora_scale_mean", "LoRA scale mean", "{:.4f}"), ("lora_scale_zero_fraction", "scale channels at 0", "{:.1%}"),
    ("lora_scale_clamped_fraction", "scale channels at the cap", "{:.1%}"),
    ("ctc_weight", "guided by the frames' CTC read-out at weight", "{:g}"),
)


def details_markdown(record: AnswerRecord) -> str:
    rows = [f"| model | {record.model} |", f"| seed | {record.seed} |"]
    for key, name, fmt in _FIGURES:
        value = record.stats.get(key)
        rows.append(f"| {name} | {'—' if value is None else fmt.format(value)} |")
    rows.append(f"| stopped | {'yes' if record.stats.get('stopped') else 'no'} |")
    if record.stats.get("loop_cut"):
        rows.append("| loop cut | yes: the reply repeated one span 4+ times; decoding stopped and the repeats were removed |")
    if record.stats.get("warnings"):
        rows.append(f"| audio notes | {'; '.join(record.stats['warnings'])} |")
    return "| figure | value |\n|---|---|\n" + "\n".join(rows)


def scale_table(record: AnswerRecord | None) -> pd.DataFrame:
    """The prompt-aware LoRA scale r per output channel (empty when the model uses a constant scale)."""
    values = record.scale if record is not None and record.scale is not None else []
    return pd.DataFrame({"channel": list(range(len(values))), "r": values})


def _details_outputs(session: AskSession, record: AnswerRecord | None) -> tuple:
    labels = [r.label for r in session.records]
    if record is None:
        return (gr.update(choices=labels, value=None), "", "*No answer yet.*", scale_table(None))
    return (gr.update(choices=labels, value=record.label), record.stats.get("rendered_prompt", ""),
            details_markdown(record), scale_table(record))


def show_details(session: AskSession, label: str | None):
    """The Details panel for the answer picked in its dropdown."""
    record = next((r for r in session.records if r.label == label), None)
    return _details_outputs(session, record)[1:]


# Audio ablation ----------------------------------------------------------------------------------

def start_ablation(service: ModelService, session: AskSession):
    """Repeat the last request with the audio replaced by silence of the same length."""
    try:
        if session.last is None:
            raise ValueError("ask something first: the ablation repeats your last request with silence instead of the recording")
        service.begin(session.key)
    except Exception as error:
        raise refusal(error) from None
    return session.last_text, _WAITING, "", *_busy(True)


def run_ablation(service: ModelService, session: AskSession) -> Iterator[tuple]:
    request = session.last
    if request is None or not service.is_running(session.key):
        return
    text, answer, verdict = "", None, ""
    try:
        history = session.turns[: request.history_len]
        for item in service.stream(request.audio, request.line, request.settings, history,
                                   service.current(session.key), silence=True):
            if isinstance(item, Answer):
                answer = item
            else:
                text += item
                yield session.last_text, text + " ▌", "", *_busy(True)
        verdict = _verdict(session.last_text, answer, request)
        text = answer.text
    except Exception as error:
        verdict = f"⚠ {friendly_error(error)}"
    finally:
        service.finish(session.key)
    yield session.last_text, text, verdict, *_busy(False)


def _verdict(real: str, silent: Answer, request: Request) -> str:
    same = real.strip() == silent.text.strip()
    lines = ["⚠ **Same answer with silence**: this answer does not depend on the audio." if same
             else "✓ **The answer changes without the audio**: it depends on the recording."]
    lines.append(f"Same instruction, settings and seed ({request.settings.seed}); silence of "
                 f"{silent.audio_seconds:.2f} s; {silent.new_tokens} new tokens.")
    if request.plan is not None and request.strategy == cot.CHAINED:
        lines.append("The real answer came from chained steps; the silence run asks the one-prompt form.")
    return "\n\n".join(lines)


# API endpoints (gradio_client) -----------------------------------------------------------------

def api_ask(service: ModelService, audio: str | None, instruction: str | None, temperature: float, top_p: float,
            max_new_tokens: float, seed: float | None, greedy: bool,
            guide_transcripts: bool = True, cut_loops: bool = True) -> Iterator[tuple[str, dict]]:
    """Stream (text so far, {}) and finally (answer, figures) for one single-turn request."""
    try:
        settings = decoding_settings(temperature, top_p, max_new_tokens, seed, greedy, guide_transcripts, cut_loops)
        if not audio:
            raise AudioError("no audio was given")
        service.check(audio, instruction, settings)
        text = ""
        for item in service.stream(audio, instruction, settings):
            if isinstance(item, Answer):
                stats = item.stats()
                stats.update(model=service.loaded.name, seed=settings.seed, untrained=service.loaded.untrained)
                yield item.text, stats
            else:
                text += item
                yield text, {}
    except Exception as error:
        raise refusal(error) from None


def api_ask_steps(service: ModelService, audio: str | None, instruction: str | None, strategy: str,
                  temperature: float, top_p: float, max_new_tokens: float, seed: float | None,
                  greedy: bool, guide_transcripts: bool = True, cut_loops: bool = True) -> Iterator[dict]:
    """Stream a multi-step answer as {"steps": [{instruction, text, status}], "notes", "finished"}."""
    try:
        settings = decoding_settings(temperature, top_p, max_new_tokens, seed, greedy, guide_transcripts, cut_loops)
        if not audio:
            raise AudioError("no audio was given")
        plan = cot.plan_steps(instruction)
        service.check(audio, plan.one_line, settings)
        for run in service.stream_steps(audio, plan, cot_view.strategy_from_label(strategy), settings):
            yield {"strategy": run.strategy, "finished": run.finished, "notes": list(run.notes),
                   "steps": [{"instruction": s.instruction, "text": s.text, "status": s.status} for s in run.steps]}
    except Exception as error:
        raise refusal(error) from None


# Examples gallery ------------------------------------------------------------------------------

def load_examples(directory: Path | None = None) -> list[dict]:
    """The bundled examples (assets/samples/examples.json) whose recordings exist."""
    directory = directory or sample_dir()
    index = directory / "examples.json"
    if not index.is_file():
        return []
    rows = json.loads(index.read_text())
    return [dict(row, path=str(directory / row["file"])) for row in rows if (directory / row["file"]).is_file()]


# Layout and wiring -------------------------------------------------------------------------------

def build_tab(service: ModelService, shared) -> None:
    """The Ask tab's components and events, inside the caller's gr.Tab."""
    session = gr.State(AskSession())
    bind = functools.partial
    with gr.Row(equal_height=False):
        with gr.Column(scale=2, min_width=340):
            audio = gr.Audio(sources=["upload", "microphone"], type="filepath", label="Recording",
                             elem_id="recording", waveform_options=gr.WaveformOptions(sample_rate=16_000),
                             buttons=["download"])
            audio_info = gr.Markdown(describe_audio(service, None), elem_id="audio-info", elem_classes="notice")
            task = gr.Dropdown(list(TASKS), value="Transcribe", label="Task preset", elem_id="task")
            with gr.Row():
                language = gr.Dropdown(list(LANGUAGES), value="German", label="Into", visible=False, elem_id="language")
                speaker_question = gr.Radio(list(SPEAKER_QUESTIONS), value="How many speakers?", label="Speaker question",
                                            visible=False, elem_id="speaker-question")
            instruction = gr.Textbox(TRANSCRIBE, lines=3, max_lines=8, label="Instruction", elem_id="instruction",
                                     placeholder="Ask anything about the recording; leave empty to answer a question "
                                                 "spoken in it. Step by step: one step per line, or 1. … 2. …")
            with gr.Row():
                mode = gr.Radio(list(MODES), value=PLAIN, label="Mode", elem_id="mode")
                strategy = gr.Radio(list(cot_view.STRATEGIES), value=next(iter(cot_view.STRATEGIES)),
                                    label="Steps are answered with", visible=False, elem_id="strategy")
            with gr.Row():
                submit_btn = gr.Button("Submit", variant="primary", elem_id="submit")
                stop_btn = gr.Button("Stop", variant="stop", interactive=False, elem_id="stop")
                regen_btn = gr.Button("Regenerate", elem_id="regenerate")
                clear_btn = gr.Button("Clear", elem_id="clear")
            with gr.Accordion("Generation settings", open=False):
                temperature = gr.Slider(0.05, 2.0, value=0.5, step=0.05, label="Temperature (published: 0.5)")
                top_p = gr.Slider(0.05, 1.0, value=1.0, step=0.05, label="Top-p (published: 1.0, off)")
                max_new_tokens = gr.Slider(1, 1024, value=512, step=1, label="Max new tokens (published: 512)")
                seed = gr.Number(RANDOM_SEED, precision=0, label="Seed (-1: a new random seed, shown in Details)")
                greedy = gr.Checkbox(False, label="Greedy decoding (deterministic; ignores temperature and top-p)")
                guide = gr.Checkbox(True, elem_id="guide-transcripts",
                                    label="Guide transcripts by the audio frames (the Transcribe task, or a typed "
                                          "\"Transcribe this.\"; models whose frames were trained to read back as "
                                          "words, such as wavllm-mini)")
                cut_loops = gr.Checkbox(True, elem_id="cut-loops",
                                        label="Stop a reply that falls into a loop (one span repeated 4+ times) "
                                              "and remove the repeats")
            examples = load_examples()
            if examples:
                gr.Examples(
                    [[e["path"], e["instruction"], STEPS if e["task"].startswith("Step") else PLAIN] for e in examples],
                    inputs=[audio, instruction, mode], label="Examples (synthetic voices, see assets/README.md)",
                    example_labels=[f"{e['task']}: {_short(e['instruction'] or 'the spoken question', 32)} "
                                    f"({Path(e['file']).stem})" for e in examples], examples_per_page=8,
                )
        with gr.Column(scale=3, min_width=420):
            chatbot = gr.Chatbot(label="Conversation about this recording", elem_id="chat", height=540,
                                 buttons=["copy", "copy_all"], feedback_options=None,
                                 placeholder="Add a recording, pick a task or type an instruction, press Submit.")
            with gr.Accordion("Details of an answer", open=False, elem_id="details"):
                details_choice = gr.Dropdown([], label="Answer", interactive=True, elem_id="details-choice")
                details_plot = gr.LinePlot(scale_table(None), x="channel", y="r", height=220,
                                           label="Prompt-aware LoRA scale r for this instruction (one value per output channel)",
                                           x_title="output channel", y_title="r (0 to 3)", elem_id="scale-plot")
                with gr.Row(equal_height=False):
                    details_stats = gr.Markdown("*No answer yet.*", elem_id="details-stats")
                    details_prompt = gr.Code(label="Exact rendered prompt", language=None, interactive=False,
                                             wrap_lines=True, lines=8, elem_id="details-prompt")
            with gr.Accordion("Audio ablation: does the answer use the audio?", open=False, elem_id="ablation"):
                ablate_btn = gr.Button("Repeat the last request with silence instead of the recording", elem_id="ablate")
                with gr.Row():
                    real_box = gr.Textbox(label="Answer with the recording", lines=4, interactive=False)
                    silent_box = gr.Textbox(label="Same request, audio replaced by silence", lines=4,
                                            interactive=False, elem_id="silent-answer")
                verdict = gr.Markdown()

    settings_inputs = [temperature, top_p, max_new_tokens, seed, greedy, guide, cut_loops]
    buttons = [submit_btn, stop_btn, regen_btn, ablate_btn]
    details = [details_choice, details_prompt, details_stats, details_plot]
    chat_outputs = [session, chatbot, *details, *buttons]
    model_event = {"concurrency_id": MODEL_QUEUE, "concurrency_limit": 1}
    # Checks are queued (Gradio shows a gr.Error only for queued events) but never wait for the model.
    check_event = {"concurrency_limit": None, "show_progress": "hidden", "api_visibility": "private"}

    for trigger in (audio.change, max_new_tokens.release):
        trigger(bind(describe_audio, service), [audio, instruction, max_new_tokens], audio_info,
                queue=False, api_visibility="private", show_progress="hidden")
    task.input(apply_task, [task, language, speaker_question, instruction], [instruction, mode, language, speaker_question, strategy],
               queue=False, api_visibility="private")
    for option in (language, speaker_question):
        option.input(apply_task, [task, language, speaker_question, instruction], [instruction, mode, language, speaker_question, strategy],
                     queue=False, api_visibility="private")
    mode.change(show_strategy, mode, strategy, queue=False, api_visibility="private")

    ask_inputs = [session, audio, instruction, mode, strategy, *settings_inputs]
    for trigger in (submit_btn.click, instruction.submit):
        trigger(bind(submit, service), ask_inputs, [session, chatbot, *buttons], **check_event) \
            .success(bind(generate, service), session, chat_outputs, api_visibility="private", **model_event)
    regen_btn.click(bind(regenerate, service), [session, *settings_inputs], [session, chatbot, *buttons], **check_event) \
        .success(bind(generate, service), session, chat_outputs, api_visibility="private", **model_event)
    stop_btn.click(bind(stop, service), session, None, queue=False, api_visibility="private")
    clear_btn.click(bind(clear, service), session, [*chat_outputs[:6], real_box, silent_box, verdict, *buttons],
                    queue=False, api_visibility="private")
    details_choice.input(show_details, [session, details_choice], details[1:], queue=False, api_visibility="private")
    ablate_btn.click(bind(start_ablation, service), session, [real_box, silent_box, verdict, *buttons], **check_event) \
        .success(bind(run_ablation, service), session, [real_box, silent_box, verdict, *buttons],
                 api_visibility="private", **model_event)

    # Named endpoints for gradio_client: the same handlers, no session state.
    api_text = gr.Textbox(visible=False, label="answer")
    api_stats = gr.JSON(visible=False, label="figures")
    api_steps = gr.JSON(visible=False, label="steps")
    strategy_api = gr.Textbox(cot.ONE_PROMPT, visible=False, label="strategy (one-prompt or chained)")
    ask_trigger = gr.Button(visible=False)
    ask_trigger.click(bind(api_ask, service), [audio, instruction, *settings_inputs], [api_text, api_stats],
                      api_name="ask", **model_event)
    ask_trigger.click(bind(api_ask_steps, service), [audio, instruction, strategy_api, *settings_inputs], api_steps,
                      api_name="ask_steps", **model_event)
