"""The wavllm-mini training configs: they load, chain the warm-up into stage 1 into stage 2 (and a
continued stage 2 from v0's parts, continued once more; and bridge pretraining on the alignment
loss alone, then stage 2 on those bridges, continued three times; and v2 continued on a
speaker-heavy set; and v2's bridges pretrained further on new sets, then stage 2 on them, twice) and read
what `data make` writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from wavllm_core.mini.build import MINI_BASE_NAME
from wavllm_core.mini.install import SHIPPED_DIR
from wavllm_core.synth.dataset import SPLITS
from wavllm_core.training.config import TrainConfig

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
MANIFESTS = {f"{split}.tsv" for split in SPLITS} | {"train-multitask.tsv"}


RUNS = ("wavllm-mini-warmup.yaml", "wavllm-mini-stage1.yaml", "wavllm-mini-stage2.yaml")
MORE = ("wavllm-mini-stage2-more.yaml", "wavllm-mini-stage2-more2.yaml")
ALIGNED = ("wavllm-mini-align.yaml", "wavllm-mini-stage2-aligned.yaml", "wavllm-mini-stage2-aligned-more.yaml",
           "wavllm-mini-stage2-long.yaml", "wavllm-mini-stage2-long2.yaml")
SPEAKER = "wavllm-mini-stage2-speaker.yaml"
SHIPPED_PARTS = Path("assets") / SHIPPED_DIR.name / "trained.safetensors"
V0_PARTS = Path("assets") / SHIPPED_DIR.name / "v0.safetensors"  # the first shipped parts, kept for these recipes


@pytest.fixture(scope="module")
def stages():
    return tuple(TrainConfig.from_yaml(CONFIGS / name) for name in RUNS)


@pytest.fixture(scope="module")
def every_run(stages):
    return (*stages, *(TrainConfig.from_yaml(CONFIGS / name) for name in MORE + ALIGNED))


def test_every_run_trains_wavllm_mini_base_through_the_two_stages(stages):
    assert [c.model for c in stages] == [MINI_BASE_NAME] * 3
    assert [c.stage for c in stages] == [1, 1, 2]
    assert stages[2].prompt_aware


def test_the_warm_up_trains_the_bridges_alone_with_the_alignment_loss(stages):
    warmup = stages[0]
    assert not warmup.train_lora and warmup.alignment_weight > 0 and warmup.init_from is None
    assert all(c.train_lora for c in stages[1:])


def test_each_run_starts_from_the_previous_runs_trained_parts(stages):
    for before, after in zip(stages, stages[1:]):
        assert Path(after.init_from) == Path(before.output_dir) / "trained.safetensors"
    assert len({c.output_dir for c in stages}) == 3


def test_continued_training_starts_from_v0s_parts_in_stage_2_and_chains_on(every_run):
    more, more2 = every_run[len(RUNS) : len(RUNS) + 2]
    assert Path(more.init_from) == V0_PARTS
    assert Path(more2.init_from) == Path(more.output_dir) / "trained.safetensors"
    for config in (more, more2):
        assert config.stage == 2 and config.prompt_aware and config.alignment_weight > 0
    assert len({c.output_dir for c in every_run}) == len(every_run)


def test_the_aligned_recipe_pretrains_v0s_bridges_alone_then_trains_stage_2_on_them_and_continues(every_run):
    align, aligned, more, long, long2 = every_run[-5:]
    assert align.alignment_only and not align.train_lora and align.stage == 1
    assert Path(align.init_from) == V0_PARTS
    assert [Path(p) for p in aligned.init_paths] == [V0_PARTS, Path(align.output_dir) / "trained.safetensors"]
    assert aligned.stage == 2 and aligned.prompt_aware and aligned.alignment_weight > 0 and not aligned.alignment_only
    assert {c.alignment_vocabulary for c in (align, aligned, more, long, long2)} == {"transcripts"}
    for before, after in ((aligned, more), (more, long), (long, long2)):
        assert Path(after.init_from) == Path(before.output_dir) / "trained.safetensors" and after.stage == 2


def test_the_long_stage_2_run_reads_every_row_the_bridges_were_pretrained_on(every_run):
    align, long, long2 = every_run[-5], every_run[-2], every_run[-1]
    for config in (long, long2):
        assert [(s.path, s.rows) for s in config.train] == [(s.path, s.rows) for s in align.train]


def test_the_configs_read_manifests_of_one_data_folder_and_share_its_encoder_cache(every_run):
    for config in every_run:
        paths = [Path(spec.path) for spec in config.train + config.validation]
        assert {p.parent for p in paths} == {Path(config.encoder_cache).parent}
        assert {p.name for p in paths} <= MANIFESTS
    assert len({c.encoder_cache for c in every_run}) == 1


def test_the_configs_save_often_enough_to_resume_in_chunks(every_run):
    for config in every_run:
        assert 0 < config.save_every <= 500 and config.max_steps % config.save_every == 0


def test_v0s_parts_are_kept_beside_the_shipped_ones():
    assert (CONFIGS.parent / V0_PARTS).is_file() and (CONFIGS.parent / SHIPPED_PARTS).is_file()


def test_the_speaker_run_continues_v2_on_a_speaker_heavy_set_of_its_own(every_run):
    long = every_run[-2]
    speaker = TrainConfig.from_yaml(CONFIGS / SPEAKER)
    assert Path(speaker.init_from) == Path(long.output_dir) / "trained.safetensors"
    assert speaker.stage == 2 and speaker.prompt_aware and speaker.alignment_weight > 0
    folder = Path(speaker.encoder_cache).parent
    assert {Path(spec.path).parent for spec in speaker.train + speaker.validation} == {folder}
    assert folder != Path(long.encoder_cache).parent and 0 < speaker.save_every and speaker.max_steps % speaker.save_every == 0
    assert speaker.output_dir not in {c.output_dir for c in every_run}


def test_more_bridge_pretraining_goes_on_from_v2_over_new_sets_then_stage_2_reads_the_new_frames(every_run):
    long = every_run[-2]
    align2, stage2 = (TrainConfig.from_yaml(CONFIGS / name)
                      for name in ("wavllm-mini-align2.yaml", "wavllm-mini-stage2-align2.yaml"))
    assert align2.alignment_only and not align2.train_lora and Path(align2.init_from) == Path(long.output_dir) / "trained.safetensors"
    assert [Path(p) for p in stage2.init_paths] == [Path(long.output_dir) / "trained.safetensors",
                                                    Path(align2.output_dir) / "trained.safetensors"]
    assert stage2.stage == 2 and stage2.prompt_aware and stage2.alignment_weight > 0 and not stage2.alignment_only
    pretrained_on = {Path(spec.path).parent for spec in align2.train}
    assert len(pretrained_on) == 2 and Path(long.encoder_cache).parent not in pretrained_on  # clips v2 never heard
    assert {Path(spec.path).parent for spec in stage2.train} < pretrained_on
    assert all(spec.audio_only for spec in align2.train) and align2.encoder_cache == stage2.encoder_cache
    more = TrainConfig.from_yaml(CONFIGS / "wavllm-mini-stage2-align2-more.yaml")
    assert Path(more.init_from) == Path(stage2.output_dir) / "trained.safetensors" and more.stage == 2
    assert [s.path for s in more.train] == [s.path for s in stage2.train] and more.seed != stage2.seed
    for config in (align2, stage2, more):
        assert 0 < config.save_every and config.max_steps % config.save_every == 0
        assert config.output_dir not in {c.output_dir for c in every_run}
    assert len({align2.output_dir, stage2.output_dir, more.output_dir}) == 3


def test_a_third_bridge_round_adds_a_new_set_to_align2s_then_stage_2_reads_the_new_frames_from_v2s_lora():
    long, align2, more, align3, stage2 = (TrainConfig.from_yaml(CONFIGS / f"wavllm-mini-{name}.yaml") for name in
                                          ("stage2-long", "align2", "stage2-align2-more", "align3", "stage2-align3"))
    more_parts = Path(more.output_dir) / "trained.safetensors"
    assert align3.alignment_only and not align3.train_lora and Path(align3.init_from) == more_parts
    new_sets = {Path(s.path).parent for s in align3.train} - {Path(s.path).parent for s in align2.train}
    assert len(new_sets) == 1 and {Path(s.path) for s in align2.train} < {Path(s.path) for s in align3.train}
    assert all(spec.audio_only for spec in align3.train)
    assert [Path(p) for p in stage2.init_paths] == [Path(long.output_dir) / "trained.safetensors",
                                                    Path(align3.output_dir) / "trained.safetensors"]
    assert stage2.stage == 2 and stage2.prompt_aware and stage2.alignment_weight > 0 and not stage2.alignment_only
    assert {Path(s.path).parent for s in stage2.train} == new_sets
    assert len({align2.encoder_cache, align3.encoder_cache, stage2.encoder_cache}) == 1
    for config in (align3, stage2):
        assert 0 < config.save_every and config.max_steps % config.save_every == 0
    assert len({align2.output_dir, more.output_dir, align3.output_dir, stage2.output_dir}) == 4
