"""Generation speed and memory for one model: time to first token, tokens/s, peak RSS, the prompt-scale
share of the total, and KV cache on vs off as a ratio measured in the same run; on the CPU also the
LLM's fp16 weight copies for decoding (the default) vs fp32 weights alone, side by side; and, where
the model guides transcripts by its frames' CTC read-out (wavllm-mini, the transcription prompt),
guided (the default) vs plain decoding.

    .venv/bin/python benchmarks/generation.py --model tiny-random --seconds 10 --max-new-tokens 64
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from wavllm_core.audio import load_audio, prepare_waveform  # noqa: E402
from wavllm_core.generation import DecodingSettings, answer, peak_rss_mb, request_ctc_weight  # noqa: E402
from wavllm_core.hub import default_device, load_model  # noqa: E402
from wavllm_core.training.toy_data import shaped_noise  # noqa: E402


def synthetic_clip(seconds: float):
    """Speech-like noise (an envelope over white noise): the encoders' cost does not depend on content."""
    return prepare_waveform(shaped_noise(seconds, seed=0), 16_000)


def measure(loaded, clip, instruction: str, tokens: int, use_cache: bool, repeats: int,
            ctc_weight: float | None = None) -> dict:
    # min_new_tokens is not exposed; a random or trained model may stop early, so report what ran.
    settings = DecodingSettings(max_new_tokens=tokens, greedy=True, use_cache=use_cache, ctc_weight=ctc_weight)
    runs = [answer(loaded, clip, instruction, settings) for _ in range(repeats)]
    return {
        "time_to_first_token_s": statistics.median(r.time_to_first_token_s for r in runs),
        "tokens_per_s": statistics.median(r.tokens_per_s for r in runs),
        "new_tokens": statistics.median(r.new_tokens for r in runs),
        "total_s": statistics.median(r.total_s for r in runs),
        "prompt_scale_share": statistics.median(r.prompt_scale_s / r.total_s for r in runs),
        "prompt_scale_s": statistics.median(r.prompt_scale_s for r in runs),
        "ctc_weight": runs[0].ctc_weight,
    }


def run_config(args, clip, half_decoding: bool) -> dict:
    loaded = load_model(args.model, load_in_4bit=args.four_bit, device=args.device, half_decoding=half_decoding)
    answer(loaded, clip, args.prompt, DecodingSettings(max_new_tokens=4, greedy=True))  # warm-up
    figures = {
        "model": loaded.name, "quantization": loaded.quantization, "device": loaded.device,
        "kv_cache_on": measure(loaded, clip, args.prompt, args.max_new_tokens, True, args.repeats),
        "kv_cache_off": measure(loaded, clip, args.prompt, args.max_new_tokens, False, args.repeats),
        "peak_rss_mb": peak_rss_mb(),  # the process's peak so far: the fp32-only run goes first
    }
    if request_ctc_weight(DecodingSettings(), args.prompt, loaded.model.config):
        figures["ctc_guidance_off"] = measure(loaded, clip, args.prompt, args.max_new_tokens, True, args.repeats, 0.0)
    figures["kv_cache_speedup_tokens_per_s"] = (
        figures["kv_cache_on"]["tokens_per_s"] / max(figures["kv_cache_off"]["tokens_per_s"], 1e-9))
    del loaded
    gc.collect()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="tiny-random")
    parser.add_argument("--audio", help="audio file (default: a synthetic clip of --seconds)")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--prompt", default="Based on the attached audio, generate a comprehensive text transcription of the spoken content.")
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--4bit", dest="four_bit", action="store_true")
    parser.add_argument("--device", default=None)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()

    clip = load_audio(args.audio) if args.audio else synthetic_clip(args.seconds)
    # On the CPU the LLM's fp16 weight copies for decoding (the default) are measured against fp32
    # alone, in the same run; elsewhere they do not apply.
    compare = not args.four_bit and (args.device or default_device()) == "cpu"
    runs = [run_config(args, clip, half_decoding=False)] if compare else []
    runs.append(run_config(args, clip, half_decoding=True))
    figures = {"audio_seconds": round(clip.duration_s, 2), "max_new_tokens": args.max_new_tokens, "runs": runs}
    print(f"model {runs[-1]['model']} on {runs[-1]['device']}, {clip.duration_s:.1f} s clip, "
          f"{args.max_new_tokens} new tokens max, median of {args.repeats}")
    print(f"{'':44s}{'TTFT s':>9s}{'tok/s':>9s}{'tokens':>8s}{'total s':>9s}{'scale %':>9s}{'peak RSS MB':>13s}")
    for run in runs:
        rows = (("KV cache on", "kv_cache_on"), ("KV cache off", "kv_cache_off"), ("CTC guide off", "ctc_guidance_off"))
        for label, key in rows:
            if key not in run:
                continue
            row = run[key]
            print(f"{run['quantization'][:30]:31s}{label:13s}{row['time_to_first_token_s']:9.3f}{row['tokens_per_s']:9.1f}"
                  f"{row['new_tokens']:8.0f}{row['total_s']:9.3f}{100 * row['prompt_scale_share']:9.2f}{run['peak_rss_mb']:13.0f}")
        print(f"{'':31s}KV cache on/off tokens/s ratio: {run['kv_cache_speedup_tokens_per_s']:.2f}x")
        if "ctc_guidance_off" in run:
            guided, plain = run["kv_cache_on"], run["ctc_guidance_off"]
            print(f"{'':31s}CTC-guided (weight {guided['ctc_weight']:g}) vs plain: "
                  f"{guided['tokens_per_s'] / max(plain['tokens_per_s'], 1e-9):.2f}x tokens/s, time to first token "
                  f"{guided['time_to_first_token_s']:.3f} vs {plain['time_to_first_token_s']:.3f} s")
    if compare:
        half, full = runs[1]["kv_cache_on"], runs[0]["kv_cache_on"]
        figures["half_decoding_speedup_tokens_per_s"] = half["tokens_per_s"] / max(full["tokens_per_s"], 1e-9)
        print(f"fp16 copies for decoding vs fp32 alone: {figures['half_decoding_speedup_tokens_per_s']:.2f}x tokens/s, "
              f"time to first token {half['time_to_first_token_s']:.3f} vs {full['time_to_first_token_s']:.3f} s")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
