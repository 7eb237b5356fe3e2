"""A small synthetic data set voiced with flite: WAV format, manifests the trainer reads, resuming,
determinism of the audio, the stats command, and folders that cannot be used."""

from __future__ import annotations

import hashlib
import shutil

import numpy as np
import pytest
import soundfile as sf

from wavllm_core.cli import main
from wavllm_core.synth.dataset import DataFolderError, DataOptions, make_dataset, plan_dataset
from wavllm_core.synth.voices import ClipPlan, Noise, VoiceStyle, render_clip
from wavllm_core.training.manifest import read_manifest

needs_flite = pytest.mark.skipif(shutil.which("flite") is None, reason="flite is not installed (apt-get install flite)")
OPTIONS = DataOptions(seed=5, examples=16, valid=2, test=2, workers=2)


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    if shutil.which("flite") is None:
        pytest.skip("flite is not installed (apt-get install flite)")
    out = tmp_path_factory.mktemp("synth")
    return out, make_dataset(OPTIONS, out, progress=False)


def _digest(path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


@needs_flite
def test_clips_are_16_khz_mono_pcm16_wavs(made):
    out, _ = made
    clips = sorted(out.glob("audio/**/*.wav"))
    assert len(clips) >= 16
    for clip in clips:
        info = sf.info(str(clip))
        assert (info.samplerate, info.channels, info.subtype, info.format) == (16000, 1, "PCM_16", "WAV")
        assert info.frames > 16000 * 0.5


@needs_flite
def test_every_manifest_is_valid_for_the_trainer(made):
    out, summary = made
    for split, count in summary["rows"].items():
        rows = read_manifest(out / f"{split}.tsv")
        assert len(rows) == count
        for row in rows:
            if row.with_speech:
                assert row.n_frames == sf.info(str(row.audio)).frames
            assert row.task in ("asr", "sv", "sqa", "sqqa", "cot", "ii", "text_sqa", "text_qa")


@needs_flite
def test_the_multitask_manifest_holds_the_training_rows_beyond_asr_and_speakers(made):
    out, _ = made
    rows = read_manifest(out / "train-multitask.tsv")
    train_ids = {row.id for row in read_manifest(out / "train.tsv")}
    assert {row.id for row in rows} <= train_ids
    assert not {row.task for row in rows} & {"asr", "sv"}


@needs_flite
def test_a_second_run_keeps_every_existing_clip(made):
    out, _ = made
    before = {p: p.stat().st_mtime_ns for p in out.glob("audio/**/*.wav")}
    summary = make_dataset(OPTIONS, out, progress=False)
    assert summary["last_run"]["clips_made"] == 0
    assert {p: p.stat().st_mtime_ns for p in out.glob("audio/**/*.wav")} == before


@needs_flite
def test_a_lost_clip_is_made_again_with_the_same_samples(made):
    out, _ = made
    clip = sorted(out.glob("audio/train/**/*.wav"))[3]
    digest = _digest(clip)
    clip.unlink()
    summary = make_dataset(OPTIONS, out, progress=False)
    assert summary["last_run"]["clips_made"] == 1
    assert _digest(clip) == digest


@needs_flite
def test_a_folder_made_with_another_seed_is_refused(made):
    out, _ = made
    with pytest.raises(DataFolderError, match="seed 5 → 6"):
        make_dataset(DataOptions(seed=6, examples=16, valid=2, test=2), out, progress=False)


def test_an_output_path_that_is_a_file_is_refused(tmp_path):
    target = tmp_path / "data"
    target.write_text("not a folder")
    with pytest.raises(DataFolderError, match="is a file"):
        make_dataset(OPTIONS, target, progress=False)


@needs_flite
def test_stats_print_counts_per_split_and_task(made, capsys):
    out, _ = made
    assert main(["data", "stats", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "train: 16 rows" in printed and "test-unseen: 2 rows" in printed
    assert "h of audio" in printed and "vocabulary" in printed and "kal16" in printed


def test_stats_of_a_folder_without_manifests_is_a_user_error(tmp_path, capsys):
    assert main(["data", "stats", str(tmp_path)]) == 2
    assert "holds no manifests" in capsys.readouterr().err


def test_make_with_no_examples_is_a_user_error(tmp_path, capsys):
    assert main(["data", "make", "--out", str(tmp_path / "d"), "--examples", "0"]) == 2
    assert "--examples must be at least 1" in capsys.readouterr().err


class _Tone:
    """A stand-in synthesizer: one second of a 200 Hz tone whatever the text, recording its calls."""

    def __init__(self):
        self.calls = []

    def synthesize(self, text, voice, settings=None):
        self.calls.append((text, voice, settings))
        t = np.arange(16000) / 16000
        return (0.5 * np.sin(2 * np.pi * 200 * t)).astype(np.float32)


@pytest.mark.parametrize("kind", ["white", "pink", "brown"])
def test_noise_is_added_at_the_planned_snr(kind):
    style = VoiceStyle("slt", 1.0, 170.0)
    quiet = render_clip(ClipPlan((("a", style),), None, 0.0, 0.0, 0.0, 0.5), _Tone())
    noisy = render_clip(ClipPlan((("a", style),), Noise(kind, 12.0, 7), 0.0, 0.0, 0.0, 0.5), _Tone())
    noise = noisy.astype(np.float64) - quiet
    snr = 10 * np.log10(np.mean(quiet.astype(np.float64) ** 2) / np.mean(noise**2))
    assert snr == pytest.approx(12.0, abs=0.3)


def test_a_clip_joins_its_lines_with_the_planned_pauses_and_passes_the_voice_settings():
    tts = _Tone()
    plan = ClipPlan((("one", VoiceStyle("slt", 1.1, 160.0)), ("two", VoiceStyle("rms", 0.9))), None, 0.25, 0.5, 0.25, 0.6)
    samples = render_clip(plan, tts)
    assert samples.size == int(16000 * (0.25 + 1 + 0.5 + 1 + 0.25))
    assert float(np.abs(samples).max()) == pytest.approx(0.6, abs=1e-3)
    assert tts.calls == [("one", "slt", {"duration_stretch": 1.1, "int_f0_target_mean": 160.0}),
                         ("two", "rms", {"duration_stretch": 0.9})]


@needs_flite
def test_flite_speaks_slower_with_a_larger_duration_stretch():
    from wavllm_core.quiz.tts import FliteTTS

    tts = FliteTTS()
    fast = tts.synthesize("The train leaves at seven.", "slt", {"duration_stretch": 0.8})
    slow = tts.synthesize("The train leaves at seven.", "slt", {"duration_stretch": 1.3})
    assert slow.size > 1.4 * fast.size


def test_planning_needs_no_audio_and_no_flite(monkeypatch):
    monkeypatch.setenv("PATH", "")
    assert len(plan_dataset(DataOptions(seed=1, examples=10, valid=2, test=2)).examples["train"]) == 10


def test_a_speaker_share_puts_that_share_of_speaker_questions_in_training_and_leaves_the_tests_alone():
    usual = plan_dataset(DataOptions(seed=1, examples=300, valid=2, test=40))
    focused = plan_dataset(DataOptions(seed=1, examples=300, valid=2, test=40, speaker_share=0.4))

    def share(plan, split):
        rows = plan.examples[split]
        return sum(row.kind == "sv" for row in rows) / len(rows)

    assert share(usual, "train") < 0.2 < 0.3 < share(focused, "train") < 0.5
    assert [row.id for row in focused.examples["test-seen"]] == [row.id for row in usual.examples["test-seen"]]
    mix = DataOptions(speaker_share=0.4).train_mix()
    assert mix["sv"] == 0.4 and abs(sum(mix.values()) - 1) < 1e-9
    assert mix["asr"] / mix["sqa_quiz"] == pytest.approx(3.0)


@pytest.mark.parametrize("share", ["0", "1", "1.5"])
def test_a_speaker_share_outside_zero_to_one_is_a_user_error(tmp_path, capsys, share):
    assert main(["data", "make", "--out", str(tmp_path / "d"), "--speaker-share", share]) == 2
    assert "--speaker-share must be above 0 and below 1" in capsys.readouterr().err


@needs_flite
def test_a_set_without_test_rows_writes_no_empty_test_manifests(tmp_path, capsys):
    out = tmp_path / "d"
    assert main(["data", "make", "--out", str(out), "--examples", "3", "--valid", "1", "--test", "0", "--no-progress"]) == 0
    assert sorted(p.name for p in out.glob("*.tsv")) == ["train-multitask.tsv", "train.tsv", "valid.tsv"]
    assert main(["data", "stats", str(out)]) == 0
    assert "train: 3 rows" in capsys.readouterr().out
