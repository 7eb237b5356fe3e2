"""A whole data set: plan every example from a seed, voice the clips (two processes), write manifests.

The plan is a pure function of the options: example i of a split depends on (seed, split, i) and
on what the examples before it drew, so a bigger `--examples` extends a set without changing the
rows it already has. Rendering skips every WAV already on disk, so an interrupted run resumes
where it stopped, and a finished folder is left as it is.

Splits: train and valid speak train and valid sentences (a hash of the text, see `text_pool`)
with the seen voices; test-seen speaks test sentences with the same voices; test-unseen speaks
test sentences with the held-out voice in every clip (flite's kal16; kal is the same speaker and is
never used). Quiz conversations come from the quiz generator with seeds far from the bundled
sets', and any conversation sharing a line with a bundled set (assets/quiz) is dropped.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import soundfile as sf
from tqdm import tqdm

from ..quiz import bundled_sets
from ..quiz.generator import PlannedConversation, draft_set
from ..quiz.tts import INSTALL_HINT, FliteTTS, TTSUnavailableError
from .tasks import BUILDERS, TEST_MIX, TRAIN_MIX, Deck, Example, Sources
from .text_pool import TextPool, build_pool, common_words, split_of
from .voices import SPEAKER_OF, VOICES, render_clip, write_wav

_LOG = logging.getLogger(__name__)

# Bump when a change to the generator changes what a seed makes: older folders are then refused.
FORMAT = "wavllm-synth/1"
INFO_FILE = "dataset.json"
SPLITS = ("train", "valid", "test-seen", "test-unseen")
TEXT_SPLIT = {"train": "train", "valid": "valid", "test-seen": "test", "test-unseen": "test"}
COLUMNS = ("id", "audio", "n_frames", "prompt", "tgt_text", "with_speech", "task", "source", "voices", "transcript")
SINGLE_TASK_KINDS = frozenset(("asr", "asr_dialogue", "sv"))
QUIZ_SEED_BASE = 1_000_000  # far from the bundled sets' seeds (1, 2, 3)
# Options that decide the content of every row: a folder made with others cannot be resumed.
CONTENT_OPTIONS = ("seed", "held_out_voice", "grammar_sentences", "exchanges", "speaker_share")


class DataFolderError(ValueError):
    """An output or input folder that cannot be used; the message says why and what to do."""


@dataclass(frozen=True)
class DataOptions:
    seed: int = 0
    examples: int = 40_000  # train rows
    valid: int | None = None  # default: 2 % of train, at least 20
    test: int = 500  # rows in each test set
    held_out_voice: str = "kal16"
    grammar_sentences: int = 30_000
    exchanges: int = 8_000
    workers: int = 2
    speaker_share: float | None = None  # share of speaker rows in train/valid (default: TRAIN_MIX's)

    def __post_init__(self):
        if self.examples < 1:
            raise ValueError(f"--examples must be at least 1, got {self.examples}")
        if self.test < 0 or (self.valid is not None and self.valid < 0):
            raise ValueError("--valid and --test must not be negative")
        if self.held_out_voice not in VOICES:
            raise ValueError(f"--held-out-voice must be one of {', '.join(VOICES)}, got {self.held_out_voice!r}")
        if self.workers < 1:
            raise ValueError(f"--workers must be at least 1, got {self.workers}")
        if self.speaker_share is not None and not 0 < self.speaker_share < 1:
            raise ValueError(f"--speaker-share must be above 0 and below 1, got {self.speaker_share}")

    def train_mix(self) -> dict[str, float]:
        """The task shares of train and valid: TRAIN_MIX, with speaker rows at `speaker_share` and
        every other task scaled to keep their proportions (a set for speaker-focused training)."""
        if self.speaker_share is None:
            return dict(TRAIN_MIX)
        others = 1 - TRAIN_MIX["sv"]
        return {kind: self.speaker_share if kind == "sv" else share * (1 - self.speaker_share) / others
                for kind, share in TRAIN_MIX.items()}

    def counts(self) -> dict[str, int]:
        valid = self.valid if self.valid is not None else max(20, self.examples // 50)
        return {"train": self.examples, "valid": valid, "test-seen": self.test, "test-unseen": self.test}

    @property
    def seen_voices(self) -> tuple[str, ...]:
        held = SPEAKER_OF[self.held_out_voice]
        return tuple(v for v in VOICES if SPEAKER_OF[v] != held)


@dataclass
class Plan:
    options: DataOptions
    examples: dict[str, list[Example]]
    pool_figures: dict = field(default_factory=dict)
    excluded_quiz_lines: int = 0

    def all(self) -> Iterator[Example]:
        for split in SPLITS:
            yield from self.examples.get(split, [])


def bundled_quiz_lines() -> frozenset[str]:
    """Every transcript line of the bundled practice sets: training never speaks one of them."""
    return frozenset(line.text for quiz in bundled_sets() for c in quiz.conversations for line in c.transcript)


def quiz_stream(seed: int, split: str, excluded: frozenset[str]) -> Iterator[PlannedConversation]:
    """Generated quiz conversations of one text split, none sharing a line with `excluded`."""
    draft_seed = QUIZ_SEED_BASE + seed * 100_000
    while True:
        for planned in draft_set(draft_seed, short=13, long=2):
            lines = [line.text for line in planned.draft.lines]
            if split_of(" ".join(lines)) == split and not excluded.intersection(lines):
                yield planned
        draft_seed += 1


class _Stream:
    def __init__(self, items: Iterator):
        self.items = items

    def next(self):
        return next(self.items)


def _sources(options: DataOptions, pool: TextPool, words: Sequence[str], split: str, excluded: frozenset[str]) -> Sources:
    text_split = TEXT_SPLIT[split]
    tag = f"{options.seed}/{split}"
    unseen = split == "test-unseen"
    seen = options.seen_voices
    return Sources(
        split=text_split,
        sentences=Deck(pool.sentences_in(text_split), f"{tag}/sentences"),
        exchanges=Deck(pool.exchanges_in(text_split), f"{tag}/exchanges"),
        quiz=_Stream(quiz_stream(options.seed, text_split, excluded)),
        words=words,
        voices=(options.held_out_voice,) if unseen else seen,
        others=seen,
        canonical_prompts=split.startswith("test"),
    )


def _plan_split(options: DataOptions, sources: Sources, split: str, count: int) -> list[Example]:
    mix = options.train_mix() if split in ("train", "valid") else TEST_MIX
    kinds, weights = list(mix), list(mix.values())
    required = options.held_out_voice if split == "test-unseen" else None
    out = []
    for i in range(count):
        rng = random.Random(f"{options.seed}/{split}/{i}")
        kind = rng.choices(kinds, weights)[0]
        for _ in range(100):
            task, prompt, target, clip, source, spoken = BUILDERS[kind](sources, rng)
            if required is None or (clip is not None and required in clip.voices):
                break
        else:
            raise RuntimeError(f"could not plan a {kind} example with voice {required}")  # a builder bug
        out.append(Example(f"{split}-{i:06d}-{kind}", split, task, kind, prompt, target, clip, source, spoken))
    return out


def plan_dataset(options: DataOptions) -> Plan:
    """Every example of every split, with its clip plan; no audio is made."""
    pool = build_pool(options.seed, options.grammar_sentences, options.exchanges)
    words = common_words(pool)
    excluded = bundled_quiz_lines()
    examples = {}
    for split, count in options.counts().items():
        sources = _sources(options, pool, words, split, excluded)
        examples[split] = _plan_split(options, sources, split, count)
    return Plan(options, examples, pool.figures(), len(excluded))


def audio_path(example: Example) -> str:
    """Where an example's clip lives, relative to the data folder (1000 files per folder)."""
    index = int(example.id.split("-")[-2])
    return f"audio/{example.split}/{index // 1000:03d}/{example.id}.wav"


_WORKER_TTS: FliteTTS | None = None


def _init_worker() -> None:
    global _WORKER_TTS
    _WORKER_TTS = FliteTTS()


def _render_one(job: tuple[Path, Example]) -> int:
    path, example = job
    assert _WORKER_TTS is not None and example.clip is not None
    return write_wav(path, render_clip(example.clip, _WORKER_TTS))


def render(plan: Plan, out: Path, workers: int = 2, progress: bool = True) -> tuple[int, float]:
    """Voice every clip not yet on disk; returns (clips made, seconds taken)."""
    used = sorted({v for e in plan.all() if e.clip for v in e.clip.voices})
    installed = FliteTTS().voices()  # a missing flite fails here, before any file is written
    missing = [name for name in used if name not in installed]
    if missing:
        raise TTSUnavailableError(f"flite lacks the voice(s) {', '.join(missing)} (it lists: {', '.join(installed)}); "
                                  f"{INSTALL_HINT}")
    jobs = [(out / audio_path(e), e) for e in plan.all() if e.clip is not None and not (out / audio_path(e)).is_file()]
    started = time.perf_counter()
    bar = tqdm(total=len(jobs), desc="voicing clips", unit="clip", disable=not progress)
    if workers == 1:
        _init_worker()
        for job in jobs:
            _render_one(job)
            bar.update()
    elif jobs:
        with multiprocessing.get_context("fork").Pool(workers, initializer=_init_worker) as pool:
            for _ in pool.imap_unordered(_render_one, jobs, chunksize=16):
                bar.update()
    bar.close()
    return len(jobs), time.perf_counter() - started


def _field(text: str) -> str:
    return " ".join(str(text).split())  # a TSV field holds no tab or newline


def _manifest_sets(plan: Plan) -> dict[str, list[Example]]:
    """One manifest per split, plus train-multitask (the training rows beyond single-task ASR and
    speaker questions) for stage 2 to weight up."""
    sets = dict(plan.examples)
    sets["train-multitask"] = [e for e in plan.examples.get("train", []) if e.kind not in SINGLE_TASK_KINDS]
    return sets


def write_manifests(plan: Plan, out: Path) -> dict[str, Path]:
    paths = {}
    for split, examples in _manifest_sets(plan).items():
        if not examples:  # e.g. --test 0: no manifest rather than one the trainer and `data stats` refuse
            continue
        lines = ["\t".join(COLUMNS)]
        for e in examples:
            audio = audio_path(e) if e.with_speech else ""
            frames = sf.info(str(out / audio)).frames if e.with_speech else 0
            transcript = e.clip.transcript if e.clip else ""
            voices = ",".join(e.clip.voices) if e.clip else ""
            values = (e.id, audio, str(frames), e.prompt, e.target, str(e.with_speech), e.task, e.source, voices, transcript)
            lines.append("\t".join(_field(v) for v in values))
        paths[split] = out / f"{split}.tsv"
        staging = paths[split].with_name(paths[split].name + ".partial")
        staging.write_text("\n".join(lines) + "\n", encoding="utf-8")
        staging.replace(paths[split])
    return paths


def _check_folder(out: Path, options: DataOptions) -> None:
    if out.exists() and not out.is_dir():
        raise DataFolderError(f"{out} is a file, not a folder; choose a folder for the data set")
    info = out / INFO_FILE
    if not info.is_file():
        return
    try:
        recorded = json.loads(info.read_text(encoding="utf-8"))
        before, made_by = recorded["options"], recorded.get("format")
    except (json.JSONDecodeError, KeyError, TypeError):
        raise DataFolderError(f"{info} is damaged; remove it (or the folder) to make the data set again") from None
    if made_by != FORMAT:
        raise DataFolderError(f"{out} was made by another version of the generator ({made_by}, this is {FORMAT}); "
                              "its clips would not match. Use another folder.")
    changed = [k for k in CONTENT_OPTIONS if before.get(k) != getattr(options, k)]
    if changed:
        details = ", ".join(f"{k} {before.get(k)!r} → {getattr(options, k)!r}" for k in changed)
        raise DataFolderError(f"{out} holds a data set made with other settings ({details}); its clips would not "
                              "match. Use another folder, or the same settings to resume it.")


def make_dataset(options: DataOptions, out_dir: str | Path, progress: bool = True) -> dict:
    """Plan, voice and write the data set in `out_dir`; returns the summary also written to dataset.json."""
    out = Path(out_dir).expanduser()
    _check_folder(out, options)
    started = time.perf_counter()
    plan = plan_dataset(options)
    planned_s = time.perf_counter() - started
    out.mkdir(parents=True, exist_ok=True)
    made, render_s = render(plan, out, options.workers, progress)
    manifests = write_manifests(plan, out)
    summary = {
        "format": FORMAT, "options": asdict(options), "pool": plan.pool_figures,
        "excluded_bundled_quiz_lines": plan.excluded_quiz_lines,
        "rows": {split: len(rows) for split, rows in plan.examples.items()},
        "manifests": {split: path.name for split, path in manifests.items()},
        "last_run": {"clips_made": made, "plan_s": round(planned_s, 2), "render_s": round(render_s, 2),
                     "clips_per_s": round(made / render_s, 2) if made and render_s > 0 else None},
    }
    (out / INFO_FILE).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    _LOG.info("data set in %s: %s", out, summary["rows"])
    return summary
