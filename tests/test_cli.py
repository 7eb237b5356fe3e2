"""`python -m wavllm_core`: info, ask (streaming and --json), and clear errors instead of tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from wavllm_core.cli import main

JSON_FIELDS = {
    "text", "audio_seconds", "audio_frames", "prompt_tokens", "new_tokens", "time_to_first_token_s",
    "tokens_per_s", "peak_rss_mb", "lora_scale_mean", "ctc_weight", "loop_cut",
}


def test_info_lists_presets_device_versions_and_memory(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    for text in ("wavllm-7b", "tiny-random", "Device:", "transformers", "wavllm-7b 4bit:", "wavllm-7b fp16:"):
        assert text in out


def test_ask_json_has_every_field(capsys, wav_file):
    code = main(["ask", "--model", "tiny-random", "--audio", str(wav_file), "--prompt", "Transcribe.",
                 "--max-new-tokens", "5", "--greedy", "--json"])
    assert code == 0
    stats = json.loads(capsys.readouterr().out)
    assert JSON_FIELDS <= stats.keys()
    assert stats["new_tokens"] == 5 and stats["audio_seconds"] == pytest.approx(3.0)


@pytest.mark.parametrize("weight", ["2", "-1", "half"])
def test_ask_refuses_a_ctc_weight_outside_0_to_1(capsys, wav_file, weight):
    with pytest.raises(SystemExit) as stopped:
        main(["ask", "--model", "tiny-random", "--audio", str(wav_file), "--ctc-weight", weight])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "--ctc-weight" in err and ("between 0 (off) and 1" in err or "not a number" in err)


def test_ask_streams_text_to_stdout_and_notes_untrained_weights(capsys, wav_file):
    assert main(["ask", "--model", "tiny-random", "--audio", str(wav_file), "--max-new-tokens", "4", "--seed", "1"]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip()
    assert "untrained" in captured.err


@pytest.mark.parametrize(
    "make_input, message",
    [
        (lambda p: p.write_bytes(b""), "empty"),
        (lambda p: p.write_text("not audio at all"), "as audio"),
    ],
)
def test_ask_with_bad_audio_prints_one_error_line_and_exits_2(tmp_path, capsys, make_input, message):
    path = tmp_path / "bad.wav"
    make_input(path)
    assert main(["ask", "--model", "tiny-random", "--audio", str(path)]) == 2
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and message in errors[0] and "Traceback" not in err


def test_ask_with_an_unknown_model_names_the_known_ones(capsys, wav_file):
    assert main(["ask", "--model", "no-such-model", "--audio", str(wav_file)]) == 2
    assert "known names" in capsys.readouterr().err


def test_ask_for_the_official_model_before_conversion_says_how_to_get_it(capsys, wav_file):
    assert main(["ask", "--model", "wavllm-7b", "--audio", str(wav_file)]) == 2
    assert "python -m wavllm_core download" in capsys.readouterr().err


@pytest.mark.slow
def test_the_module_runs_as_a_program(wav_file):
    result = subprocess.run(
        [sys.executable, "-m", "wavllm_core", "ask", "--model", "tiny-random", "--audio", str(wav_file),
         "--max-new-tokens", "3", "--greedy", "--json"],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert JSON_FIELDS <= json.loads(result.stdout).keys()


def test_info_shows_the_measured_gpu_peak_recorded_by_an_earlier_run(capsys, monkeypatch):
    from wavllm_core import cli
    from wavllm_core.measurements import PeakMeasurement, measured_peaks, record_peak

    record_peak(PeakMeasurement("wavllm-7b", "4-bit NF4 (LLM linears)", "RTX 4060", 6100.0, 30.0))
    record_peak(PeakMeasurement("wavllm-7b", "4-bit NF4 (LLM linears)", "RTX 4060", 5000.0, 10.0))
    assert [m.peak_gpu_mb for m in measured_peaks()] == [6100.0]
    monkeypatch.setattr(cli.torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(cli, "_device_line", lambda: "cuda: RTX 4060")
    assert main(["info"]) == 0
    assert "wavllm-7b 4-bit NF4 (LLM linears) on RTX 4060: 5.96 GB peak for a 30 s clip" in capsys.readouterr().out
