"""The wavllm-mini training configs: they load, chain stage 1 into stage 2 and read what `data make` writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from wavllm_core.mini.build import MINI_BASE_NAME
from wavllm_core.synth.dataset import SPLITS
from wavllm_core.training.config import TrainConfig

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
MANIFESTS = {f"{split}.tsv" for split in SPLITS} | {"train-multitask.tsv"}


@pytest.fixture(scope="module")
def stages():
    return TrainConfig.from_yaml(CONFIGS / "wavllm-mini-stage1.yaml"), TrainConfig.from_yaml(CONFIGS / "wavllm-mini-stage2.yaml")


def test_both_stages_train_wavllm_mini_base(stages):
    assert [c.model for c in stages] == [MINI_BASE_NAME, MINI_BASE_NAME]
    assert [c.stage for c in stages] == [1, 2]
    assert stages[1].prompt_aware


def test_stage_2_starts_from_stage_1s_trained_parts(stages):
    first, second = stages
    assert Path(second.init_from) == Path(first.output_dir) / "trained.safetensors"
    assert first.output_dir != second.output_dir


def test_the_configs_read_manifests_of_one_data_folder_and_share_its_encoder_cache(stages):
    for config in stages:
        paths = [Path(spec.path) for spec in config.train + config.validation]
        assert {p.parent for p in paths} == {Path(config.encoder_cache).parent}
        assert {p.name for p in paths} <= MANIFESTS
    assert stages[0].encoder_cache == stages[1].encoder_cache


def test_the_configs_save_often_enough_to_resume_in_chunks(stages):
    for config in stages:
        assert 0 < config.save_every <= 500 and config.max_steps % config.save_every == 0
