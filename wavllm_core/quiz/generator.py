"""Fresh practice sets: templates drawn with a seed, voiced with two flite voices, written as a quiz set.

The content (`draft_set`) depends only on the seed, so a set can be regenerated and checked without
audio. Evidence spans come from the synthesized audio itself: lines are voiced one by one and
joined with short pauses, and each line's start and end are recorded as it is placed.
"""

from __future__ import annotations

import itertools
import logging
import random
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
from tqdm import tqdm

from ..audio import SAMPLE_RATE
from .format import LETTERS, MANIFEST_NAME, Conversation, Question, QuizSet, TranscriptLine, load_quiz, write_quiz
from .scenarios import LONG_TEMPLATES, MAN, SHORT_TEMPLATES, WOMAN, Cast, Draft
from .tts import FEMALE_VOICES, MALE_VOICES, FliteTTS

_LOG = logging.getLogger(__name__)

LEAD_S, PAUSE_S, TAIL_S = 0.3, 0.45, 0.3
PEAK = 0.5  # every conversation at the same level, whichever voices it uses
SPEAKING_RATE = 0.95  # flite's duration stretch: its own pace, a touch quicker (sets stay small)
AUDIO_SUBTYPE = "PCM_16"
AUDIO_FORMAT = "FLAC"


@dataclass(frozen=True)
class PlannedConversation:
    id: str
    section: int
    draft: Draft
    cast: Cast
    letters: tuple[tuple[str, ...], ...]  # per question: the option texts in A, B, C order
    answers: tuple[str, ...]


def _shuffled(rng: random.Random, correct: str, wrong: tuple[str, str]) -> tuple[tuple[str, ...], str]:
    options = [correct, *wrong]
    rng.shuffle(options)
    return tuple(options), LETTERS[options.index(correct)]


def draft_set(seed: int, short: int = 5, long: int = 2) -> list[PlannedConversation]:
    """The set's content for a seed: which templates, names, details, option order and answers."""
    if short < 0 or long < 0 or short + long == 0:
        raise ValueError("a set needs at least one conversation (short >= 0, long >= 0)")
    rng = random.Random(seed)
    plan: list[PlannedConversation] = []
    for section, count, templates in ((1, short, SHORT_TEMPLATES), (2, long, LONG_TEMPLATES)):
        names = _pick(rng, sorted(templates), count)
        for index, name in enumerate(names, start=1):
            cast = Cast.draw(rng)
            draft = templates[name](rng, cast)
            if section == 2:
                keep = sorted(rng.sample(range(len(draft.questions)), rng.randint(2, min(4, len(draft.questions)))))
                draft = Draft(draft.template, draft.lines, tuple(draft.questions[i] for i in keep))
            shuffled = [_shuffled(rng, q.correct, q.wrong) for q in draft.questions]
            plan.append(PlannedConversation(f"S{section}-{index}", section, draft, cast,
                                            tuple(o for o, _ in shuffled), tuple(a for _, a in shuffled)))
    return plan


def _pick(rng: random.Random, names: list[str], count: int) -> list[str]:
    """`count` templates, all different until every template has been used once."""
    picked: list[str] = []
    while len(picked) < count:
        picked += rng.sample(names, min(len(names), count - len(picked)))
    return picked


def _voices(rng: random.Random, tts: FliteTTS) -> dict[str, str]:
    """A female voice for W and a male one for M: two clearly different speakers."""
    return {MAN: rng.choice(tts.require(MALE_VOICES)), WOMAN: rng.choice(tts.require(FEMALE_VOICES))}


def _render(planned: PlannedConversation, voices: dict[str, str], tts: FliteTTS) -> tuple[np.ndarray, list[TranscriptLine]]:
    pieces = [np.zeros(int(LEAD_S * SAMPLE_RATE), np.float32)]
    position = len(pieces[0])
    lines: list[TranscriptLine] = []
    voiced = [tts.synthesize(line.text, voices[line.role]) for line in planned.draft.lines]
    peak = max(float(np.abs(v).max()) for v in voiced) or 1.0
    for i, (line, samples) in enumerate(zip(planned.draft.lines, voiced)):
        if i:
            pieces.append(np.zeros(int(PAUSE_S * SAMPLE_RATE), np.float32))
            position += len(pieces[-1])
        pieces.append(samples * (PEAK / peak))
        lines.append(TranscriptLine(line.role, line.text, round(position / SAMPLE_RATE, 3),
                                    round((position + len(samples)) / SAMPLE_RATE, 3)))
        position += len(samples)
    pieces.append(np.zeros(int(TAIL_S * SAMPLE_RATE), np.float32))
    return np.concatenate(pieces), lines


def make_set(seed: int, out_dir: str | Path, tts: FliteTTS | None = None, short: int = 5, long: int = 2,
             overwrite: bool = False, title: str | None = None) -> QuizSet:
    """Generate, voice and write a practice set; returns it as loaded (and so validated) from disk."""
    out = Path(out_dir).expanduser().resolve()
    if (out / MANIFEST_NAME).exists() and not overwrite:
        raise FileExistsError(f"{out} already holds a quiz set; choose another folder or allow overwriting")
    tts = tts or FliteTTS(duration_stretch=SPEAKING_RATE)
    plan = draft_set(seed, short, long)
    voice_rng = random.Random(f"voices-{seed}")
    voice_plan = [_voices(voice_rng, tts) for _ in plan]  # fails before anything is written when flite is missing
    (out / "audio").mkdir(parents=True, exist_ok=True)
    conversations = []
    numbers = itertools.count(1)
    for planned, voices in zip(tqdm(plan, desc="voicing conversations", disable=None), voice_plan):
        samples, transcript = _render(planned, voices, tts)
        audio = out / "audio" / f"{planned.id.lower()}.flac"
        sf.write(audio, samples, SAMPLE_RATE, format=AUDIO_FORMAT, subtype=AUDIO_SUBTYPE, compression_level=1.0)
        questions = []
        for item, options, answer in zip(planned.draft.questions, planned.letters, planned.answers):
            span = (transcript[item.evidence[0]].start, transcript[item.evidence[-1]].end)
            questions.append(Question(f"Q{next(numbers)}", item.text, dict(zip(LETTERS, options)), answer, item.type, span))
        used = {role: voices[role] for role in planned.draft.roles}
        conversations.append(Conversation(planned.id, planned.section, audio, tuple(questions), tuple(transcript), used))
    quiz = QuizSet(
        id=f"practice-{seed}", title=title or f"Practice set {seed}", source="generated", directory=out.resolve(),
        conversations=tuple(conversations),
        description=("Original practice conversations written for WavLLM Studio (not taken from any exam), "
                     "voiced with flite."),
        meta={"generator": "wavllm_core.quiz.generator", "seed": seed, "short": short, "long": long,
              "templates": [p.draft.template for p in plan]},
    )
    write_quiz(quiz)
    _remove_stale_audio(out / "audio", {c.audio.name for c in conversations})
    _LOG.info("wrote practice set %s to %s", quiz.id, out)
    return load_quiz(out)


def _remove_stale_audio(folder: Path, keep: set[str]) -> None:
    """After overwriting a bigger set, drop the generator's own files the new set no longer uses."""
    for path in folder.glob("s*-*.flac"):
        if path.name not in keep and re.fullmatch(r"s\d+-\d+\.flac", path.name):
            path.unlink()
