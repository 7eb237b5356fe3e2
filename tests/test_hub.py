"""Model names resolve to directories; the default prefers real weights over random ones."""

from __future__ import annotations

import pytest

from wavllm_core import hub


@pytest.fixture
def empty_home(tmp_path, monkeypatch):
    monkeypatch.setenv("WAVLLM_HOME", str(tmp_path))
    return tmp_path / "models"


def fake_model_dir(path):
    path.mkdir(parents=True)
    (path / "config.json").write_text("{}")
    (path / "model.safetensors").write_bytes(b"")


def test_the_default_is_the_development_preset_when_nothing_is_cached(empty_home):
    assert hub.default_model_name() == "tiny-random"


def test_the_trained_offline_model_beats_the_development_preset_but_not_its_untrained_base(empty_home):
    fake_model_dir(empty_home / "wavllm-mini-base")
    assert hub.default_model_name() == "tiny-random"
    fake_model_dir(empty_home / "wavllm-mini")
    assert hub.default_model_name() == "wavllm-mini"


def test_the_converted_official_model_comes_first(empty_home):
    fake_model_dir(empty_home / "wavllm-mini")
    fake_model_dir(empty_home / "wavllm-7b")
    assert hub.default_model_name() == "wavllm-7b"


def test_a_directory_without_weights_is_not_a_model(tmp_path):
    with pytest.raises(hub.ModelNotFoundError, match="not a WavLLM model directory"):
        hub.resolve_model_dir(str(tmp_path))


def test_a_model_card_gives_its_first_paragraph_as_the_summary(tmp_path):
    (tmp_path / "README.md").write_text("# wavllm-mini\n\nA small model | trained on\nsynthetic speech.\n\n## Data\n\nMore.\n")
    assert hub.model_card_summary(tmp_path) == "A small model | trained on synthetic speech."
    assert hub.model_card_summary(tmp_path / "missing") == ""
