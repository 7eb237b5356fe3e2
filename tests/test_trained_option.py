"""`--trained FILE` on ask, eval and quiz run: a training run's parts tried on top of a model
before `mini install` makes them its own, and a clear error for a file that does not fit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from quiz_sets import write_tiny_set
from safetensors.torch import load_file
from test_training import write_manifest

from wavllm_core.cli import build_parser, main
from wavllm_core.config import preset_config
from wavllm_core.loading_options import load_from_args
from wavllm_core.modeling import WavLLMForConditionalGeneration
from wavllm_core.quiz import load_quiz
from wavllm_core.training.parts import save_trained_parts
from wavllm_core.training.stages import configure_stage, stage_plan


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _stage1_parts(path: Path, **config_changes) -> Path:
    """Stage-1 parts of a tiny-random-shaped model, moved away from the preset's weights."""
    config = preset_config("tiny-random")
    model = WavLLMForConditionalGeneration(config.__class__(**{**config.to_dict(), **config_changes}))
    configure_stage(model, stage_plan(1))
    with torch.no_grad():
        for param in model.parameters():
            if param.requires_grad:
                param.add_(0.5)
    return save_trained_parts(model, path)


@pytest.fixture(scope="module")
def parts(tmp_path_factory) -> Path:
    return _stage1_parts(tmp_path_factory.mktemp("parts") / "trained.safetensors")


def test_the_loaded_model_carries_the_parts_and_is_no_longer_untrained(parts):
    args = build_parser().parse_args(["ask", "--model", "tiny-random", "--audio", "clip.wav", "--device", "cpu",
                                         "--trained", str(parts)])
    loaded = load_from_args(args)
    params = dict(loaded.model.named_parameters())
    saved = load_file(parts)
    assert saved and all(torch.equal(params[name], tensor) for name, tensor in saved.items())
    assert loaded.trained_parts == parts and not loaded.untrained


def test_ask_with_trained_parts_answers_without_the_untrained_note(parts, wav_file, capsys):
    common = ["ask", "--model", "tiny-random", "--audio", str(wav_file), "--max-new-tokens", "3", "--greedy",
              "--device", "cpu", "--trained", str(parts)]
    assert main(common) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() and "untrained" not in captured.err
    assert main([*common, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["trained"] == str(parts)


@pytest.mark.slow
def test_eval_reports_which_parts_it_scored(parts, tmp_path, capsys):
    manifest = write_manifest(tmp_path, [("asr_1", "Transcribe the audio.", "Good morning.", True)])
    out = tmp_path / "report.json"
    assert main(["eval", "--model", "tiny-random", "--manifest", str(manifest), "--out", str(out),
                 "--max-new-tokens", "2", "--device", "cpu", "--no-progress", "--trained", str(parts)]) == 0
    assert json.loads(out.read_text())["trained_parts"] == str(parts)
    assert f"tiny-random + {parts}" in capsys.readouterr().out


@pytest.mark.slow
def test_quiz_run_reports_which_parts_took_the_test(parts, tmp_path, capsys):
    quiz = load_quiz(write_tiny_set(tmp_path / "set"))
    assert main(["quiz", "run", "--model", "tiny-random", "--set", str(quiz.directory), "--limit", "1",
                 "--device", "cpu", "--json", "--trained", str(parts)]) == 0
    assert json.loads(capsys.readouterr().out)["trained"] == str(parts)
    assert main(["quiz", "run", "--model", "tiny-random", "--set", str(quiz.directory), "--limit", "1",
                 "--device", "cpu", "--trained", str(parts)]) == 0
    assert capsys.readouterr().out.startswith(f"tiny-random + {parts} on ")


@pytest.mark.parametrize(
    "make_file, message",
    [
        (lambda path: path, "trained parts not found"),
        (lambda path: (path.write_text("not tensors"), path)[1], "is not a safetensors file"),
        (lambda path: _stage1_parts(path, lora_rank=4), "another size"),
    ],
    ids=["missing", "not-safetensors", "another-model-size"],
)
def test_a_trained_file_that_does_not_fit_gets_one_error_line(tmp_path, wav_file, capsys, make_file, message):
    path = make_file(tmp_path / "parts.safetensors")
    assert main(["ask", "--model", "tiny-random", "--audio", str(wav_file), "--device", "cpu", "--trained", str(path)]) == 2
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and message in errors[0] and "Traceback" not in err
