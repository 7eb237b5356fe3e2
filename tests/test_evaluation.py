"""Evaluation: metrics against hand-computed values, per-task scoring, and the `eval` command."""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest
import sacrebleu
import torch

from test_training import write_manifest
from wavllm_core import cli
from wavllm_core.evaluation.metrics import (
    accuracy, bleu, bleu_tokenizer, content_word_recall, normalize_english, word_error_rate,
)
from wavllm_core.evaluation.runner import EvalSettings, _prepare, decode_rows, select_rows
from wavllm_core.evaluation.scoring import RowResult, final_step, score_rows
from wavllm_core.training.alignment import ctc_readout, readout_text
from wavllm_core.training.manifest import read_manifest

SQA_PROMPT = "What will the man do next? A. Start to take exercise; B. Do as he always does; C. Change his working time."


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def eval_manifest(tmp_path_factory):
    return write_manifest(tmp_path_factory.mktemp("eval"), [
        ("asr_1", "Based on the attached audio, generate a comprehensive text transcription of the spoken content.",
         "Good morning, Mr. Smith.", True),
        ("sv_2", "Is there only one speaker in the audio clip?", "Yes", True),
        ("sqa_3", SQA_PROMPT, "B", True),
        ("st_4", "Translate the audio clip into German.", "Guten Morgen", True),
        ("text_5", "Say hello in German.", "Hallo", False),
    ])


def _row(task: str, hypothesis: str, reference: str, prompt: str = "", index: int = 0) -> RowResult:
    return RowResult(index, f"{task}_{index}", task, prompt, reference, hypothesis)


# Metrics --------------------------------------------------------------------------------


def test_whisper_normalisation_removes_case_punctuation_and_standardises_spellings():
    assert normalize_english("Mr. Smith's colour, isn't it?") == "mister smith is color is not it"
    assert normalize_english("I have two apples.") == normalize_english("i have 2 apples")


def test_wer_is_all_edits_over_all_reference_words_after_normalisation():
    # "the cat sat" → "the cat sat down": 1 insertion; "Hello, World!" → "hello": 1 deletion; 5 words.
    result = word_error_rate(["The cat sat.", "Hello, World!"], ["the cat sat down", "hello"])
    assert (result.insertions, result.deletions, result.substitutions, result.reference_words) == (1, 1, 0, 5)
    assert result.wer == pytest.approx(40.0)


def test_wer_counts_a_substitution_once():
    assert word_error_rate(["good morning"], ["good evening"]).wer == pytest.approx(50.0)


def test_content_word_recall_counts_names_and_numbers_not_function_words():
    result = content_word_recall(["Rebecca flew to Dubai in 2020.", "It is on the table."],
                                 ["the becca flew to dubai in 2021", "it is on the table"])
    # content words: rebecca, flew, dubai, 2020 | table; heard: flew, dubai, table
    assert result.content_words == 5
    assert result.recall == pytest.approx(100.0 * 3 / 5)
    assert result.exact_rows == 1 and result.rows == 2


def test_wer_without_normalisation_counts_case_and_punctuation():
    assert word_error_rate(["Hello world."], ["hello world"], normalize=False).wer == pytest.approx(100.0)


def test_bleu_matches_sacrebleu_and_a_hand_count():
    reference, hypothesis = "the cat sat on the mat", "the cat sat on a mat"
    # n-gram precisions 5/6, 3/5, 2/4, 1/3; same length, so no brevity penalty.
    by_hand = 100 * math.exp(sum(math.log(p) for p in (5 / 6, 3 / 5, 2 / 4, 1 / 3)) / 4)
    ours = bleu([reference], [hypothesis])
    assert ours == pytest.approx(sacrebleu.corpus_bleu([hypothesis], [[reference]]).score)
    assert ours == pytest.approx(by_hand, abs=1e-6)


def test_bleu_uses_the_chinese_tokenizer_for_chinese_targets():
    assert bleu_tokenizer(["我喜欢猫"]) == "zh" and bleu_tokenizer(["Guten Morgen"]) == "13a"
    assert bleu(["我喜欢猫"], ["我喜欢猫"]) == pytest.approx(100.0)


def test_accuracy_is_the_percentage_correct():
    assert accuracy([True, False, True, True]) == pytest.approx(75.0)


# Scoring --------------------------------------------------------------------------------


def test_cot_is_scored_on_its_final_step():
    answer = "Transcription: good morning everyone\nSummary: a greeting\nTranslation: Guten Morgen an alle hier"
    assert final_step(answer) == "Guten Morgen an alle hier"
    scores = score_rows([_row("cot", answer, "Guten Morgen an alle hier")])
    assert scores["cot"].value == pytest.approx(100.0)


def test_choice_yes_no_and_label_tasks_are_scored_by_reading_the_answer():
    rows = [
        _row("sqa", "The answer is b.", "B", SQA_PROMPT, 0),
        _row("sqa", "He will change his working time.", "B", SQA_PROMPT, 1),
        _row("sqa", "I don't know", "A", SQA_PROMPT, 2),
        _row("sv", "Yes, only one speaker.", "Yes", index=3),
        _row("sv", "There are two speakers.", "Yes", index=4),
        _row("er", "The speaker sounds sad.", "sad", index=5),
        _row("er", "Happiness", "happy", index=6),
    ]
    scores = score_rows(rows)
    assert scores["sqa"].value == pytest.approx(100 / 3) and scores["sqa"].unreadable == 1
    assert [r.read for r in rows[:3]] == ["B", "C", None]
    assert scores["sv"].value == pytest.approx(50.0)
    assert scores["er"].value == pytest.approx(100.0)


def test_open_ended_tasks_are_kept_but_not_scored():
    scores = score_rows([_row("sqqa", "Paris", "Paris is the capital"), _row("ii", "a; b", "x", index=1)])
    assert scores["sqqa"].metric is None and scores["sqqa"].value is None and scores["ii"].rows == 1


# Runner ---------------------------------------------------------------------------------


def test_limit_draws_rows_with_the_seed_and_keeps_manifest_order(eval_manifest):
    rows = read_manifest(eval_manifest)
    chosen = select_rows(rows, 3, seed=1)
    assert len(chosen) == 3 and chosen == sorted(chosen, key=rows.index)
    assert select_rows(rows, 3, seed=1) == chosen


def test_ablation_feeds_silence_of_the_same_length(eval_manifest, loaded_tiny):
    row = read_manifest(eval_manifest)[0]
    item, error = _prepare(loaded_tiny, 0, row, EvalSettings(ablate_audio=True, max_new_tokens=4))
    assert error is None
    assert item.clip.num_samples == row.load_clip().num_samples and not np.any(item.clip.samples)


def test_a_row_whose_audio_cannot_be_decoded_is_reported_and_the_run_goes_on(tmp_path, loaded_tiny):
    manifest = write_manifest(tmp_path, [("asr_1", "Transcribe.", "hi", True), ("asr_2", "Transcribe.", "yo", True)])
    (tmp_path / "asr_2.wav").write_bytes(b"RIFF not really a wav")
    results = decode_rows(loaded_tiny, read_manifest(manifest), EvalSettings(max_new_tokens=2), progress=False)
    assert results[0].error is None and "line 3" in results[1].error and results[1].hypothesis == ""


def test_batched_decoding_gives_each_row_the_hypothesis_it_gets_alone(eval_manifest, loaded_tiny):
    rows = read_manifest(eval_manifest)
    batched = decode_rows(loaded_tiny, rows, EvalSettings(max_new_tokens=3, batch_size=3), progress=False)
    alone = decode_rows(loaded_tiny, rows, EvalSettings(max_new_tokens=3, batch_size=1), progress=False)
    assert [r.id for r in batched] == [r.id for r in rows]
    assert all(r.error is None for r in batched)
    assert [r.hypothesis for r in batched] == [r.hypothesis for r in alone]


def test_the_readout_reads_frames_that_look_like_tokens_as_those_tokens(loaded_tiny, monkeypatch):
    model = loaded_tiny.model
    blank, a, b = 5, 17, 42
    table = model.get_output_embeddings().weight.detach()
    frames = torch.stack([table[i] * 3 for i in (a, a, blank, b, b, blank, a, blank)])
    monkeypatch.setattr(model, "bridge_audio", lambda encoded: (frames[None], torch.tensor([7])))
    assert ctc_readout(model, None, blank) == [[a, b, a]]


class _PieceTokenizer:
    """Decodes ids by a fixed table, as a byte-level BPE tokenizer joins its pieces."""

    pieces = {1: " needs", 2: "6", 3: " potatoes", 4: " for", 5: "$", 6: "5", 7: "8", 8: " at", 9: "2", 10: ":", 11: "1", 12: "0"}

    def decode(self, ids, skip_special_tokens=True):
        return "".join(self.pieces[i] for i in ids)


@pytest.mark.parametrize("ids, text", [
    ([1, 2, 3], "needs 6 potatoes"),  # the lone space before the number was the blank
    ([4, 5, 6, 7], "for$58"),  # no space where none follows a letter
    ([8, 9, 10, 11, 12], "at 2:10"),  # digits after punctuation stay joined
    ([], ""),
])
def test_the_readout_text_puts_back_the_space_before_a_number(ids, text):
    assert readout_text(_PieceTokenizer(), ids) == text


def test_with_readout_asr_rows_get_the_bridge_transcript_and_its_wer(eval_manifest, loaded_tiny):
    rows = read_manifest(eval_manifest)[:3]
    results = decode_rows(loaded_tiny, rows, EvalSettings(max_new_tokens=2, readout="fused"), progress=False)
    assert isinstance(results[0].readout, str) and [r.readout for r in results[1:]] == [None, None]
    scores = score_rows(results)
    assert scores["asr"].details["readout_wer"] >= 0 and "readout_wer" not in scores["sv"].details
    plain = decode_rows(loaded_tiny, rows, EvalSettings(max_new_tokens=2), progress=False)
    assert [r.hypothesis for r in plain] == [r.hypothesis for r in results] and plain[0].readout is None


def test_with_a_ctc_weight_only_the_asr_rows_transcripts_are_guided_by_their_frames(eval_manifest, loaded_tiny,
                                                                                    monkeypatch):
    from wavllm_core.evaluation import runner

    seen = []

    def spy(model, tokenizer, encoded, guided, weight, config):
        processors = runner_ctc_guidance(model, tokenizer, encoded, guided, weight, config)
        seen.append((guided, weight, processors))
        return processors

    runner_ctc_guidance = runner.ctc_guidance
    monkeypatch.setattr(runner, "ctc_guidance", spy)
    rows = read_manifest(eval_manifest)[:3]
    guided = decode_rows(loaded_tiny, rows, EvalSettings(max_new_tokens=3, batch_size=3, ctc_weight=0.5), progress=False)
    plain = decode_rows(loaded_tiny, rows, EvalSettings(max_new_tokens=3, batch_size=3), progress=False)
    (rows_guided, weight, processors), = seen
    assert rows_guided == [True, False, False] and weight == 0.5
    scorers = processors[0].scorers
    assert scorers[0] is not None and scorers[1:] == [None, None]
    assert [r.hypothesis for r in guided[1:]] == [r.hypothesis for r in plain[1:]]


def test_by_likelihood_multiple_choice_rows_get_an_options_reply_and_the_rest_are_decoded(eval_manifest, loaded_tiny):
    rows = read_manifest(eval_manifest)[:3]
    results = decode_rows(loaded_tiny, rows, EvalSettings(max_new_tokens=2, by_likelihood=True), progress=False)
    plain = decode_rows(loaded_tiny, rows, EvalSettings(max_new_tokens=2), progress=False)
    assert [r.id for r in results] == [r.id for r in rows]
    assert results[2].hypothesis in {"Start to take exercise (A)", "Do as he always does (B)", "Change his working time (C)"}
    assert [r.hypothesis for r in results[:2]] == [r.hypothesis for r in plain[:2]]


# The eval command -----------------------------------------------------------------------


def _run_eval(tmp_path, manifest, *extra) -> tuple[int, dict, list[dict], str]:
    out = tmp_path / "report.json"
    status = cli.main(["eval", "--model", "tiny-random", "--manifest", str(manifest), "--audio-root", str(manifest.parent),
                       "--out", str(out), "--max-new-tokens", "4", "--device", "cpu", "--no-progress", *extra])
    report = json.loads(out.read_text()) if out.exists() else {}
    rows = list(csv.DictReader((tmp_path / "report.csv").open())) if (tmp_path / "report.csv").exists() else []
    return status, report, rows, ""


@pytest.mark.slow
def test_eval_cli_writes_json_and_csv_with_every_hypothesis_and_prints_the_table(tmp_path, eval_manifest, capsys):
    status, report, rows, _ = _run_eval(tmp_path, eval_manifest)
    out = capsys.readouterr().out
    assert status == 0
    assert [r["id"] for r in report["rows"]] == ["asr_1", "sv_2", "sqa_3", "st_4", "text_5"]
    assert [r["id"] for r in rows] == [r["id"] for r in report["rows"]]
    assert all(r["hypothesis"] == c["hypothesis"] for r, c in zip(report["rows"], rows))
    assert set(report["scores"]) == {"asr", "sv", "sqa", "st", "other"}
    assert report["scores"]["asr"]["metric"] == "wer" and report["scores"]["st"]["metric"] == "bleu"
    for line in ("task", "asr", "sv", "sqa", "st", "other"):
        assert any(row.split()[0] == line for row in out.splitlines() if row.strip())


@pytest.mark.slow
def test_eval_cli_with_ablated_audio_records_it(tmp_path, eval_manifest, capsys):
    status, report, rows, _ = _run_eval(tmp_path, eval_manifest, "--ablate-audio", "--limit", "2", "--seed", "3")
    assert status == 0 and report["settings"]["ablate_audio"] is True and len(rows) == 2
    assert "audio ablated" in capsys.readouterr().out


@pytest.mark.slow
def test_eval_cli_with_readout_reports_the_bridge_wer(tmp_path, eval_manifest, capsys):
    status, report, rows, _ = _run_eval(tmp_path, eval_manifest, "--readout")
    assert status == 0 and "readout_wer" in report["scores"]["asr"]["details"]
    assert rows[0]["readout"] is not None and "bridge read-out WER" in capsys.readouterr().out


@pytest.mark.slow
def test_eval_cli_by_likelihood_records_it(tmp_path, eval_manifest, capsys):
    status, report, rows, _ = _run_eval(tmp_path, eval_manifest, "--by-likelihood")
    assert status == 0 and report["settings"]["by_likelihood"] is True
    assert next(r for r in rows if r["id"] == "sqa_3")["hypothesis"].endswith(("(A)", "(B)", "(C)"))


@pytest.mark.parametrize("weight", ["1.5", "-0.2", "lots"])
def test_eval_cli_refuses_a_ctc_weight_that_is_not_a_share(tmp_path, eval_manifest, capsys, weight):
    with pytest.raises(SystemExit) as stopped:
        _run_eval(tmp_path, eval_manifest, "--ctc-weight", weight)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "--ctc-weight" in err and ("between 0 (off) and 1" in err or "not a number" in err)


def test_eval_cli_reports_a_missing_manifest_as_an_error_line(tmp_path, capsys):
    status, *_ = _run_eval(tmp_path, tmp_path / "nope.tsv")
    assert status == 2 and "manifest file not found" in capsys.readouterr().err
