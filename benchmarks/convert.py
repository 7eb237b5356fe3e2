"""Peak memory of `python -m wavllm_core convert` on a multi-GB synthetic release checkpoint.

The checkpoint has the published key names and the real shapes (LLaMA-7B layers, Whisper large-v2
layers, WavLM base, the released bridges and adapters) with fewer LLM and Whisper layers, so it is
a few GB instead of 30. The conversion runs in a child process, whose own peak RSS is read from
/proc/self/status (VmHWM) at its end; a child that only imports the converter gives the fixed cost of Python + torch.

    .venv/bin/python benchmarks/convert.py --llm-layers 2 --shard-mb 1024
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from fake_release import FakeSizes, fake_release_state, save_release  # noqa: E402

from wavllm_core.tokenization import train_tiny_tokenizer  # noqa: E402


def release_shapes(llm_layers: int, whisper_layers: int) -> FakeSizes:
    return FakeSizes(
        whisper_dim=1280, whisper_layers=whisper_layers, whisper_ffn=5120, whisper_positions=1500,
        wavlm_dim=768, wavlm_layers=12, wavlm_heads=12, wavlm_ffn=3072, wavlm_conv_dim=512,
        wavlm_positional_kernel=128, wavlm_positional_groups=16, wavlm_buckets=320,
        semantic_channels=(1280, 2048), acoustic_channels=(512, 2048), bottleneck=512, projector=2048,
        llm_dim=4096, llm_layers=llm_layers, llm_ffn=11008, vocab=32000, rank=32, prompt_dim=1024,
    )


# The child reports its own high-water mark: a forked child's ru_maxrss would include the parent's.
_CHILD = """
import re, sys
from pathlib import Path
if sys.argv[1:]:
    from wavllm_core.cli import main
    status = main(sys.argv[1:])
else:
    import wavllm_core.checkpoint_convert
    status = 0
peak = re.search(r"VmHWM:\\s+(\\d+) kB", Path("/proc/self/status").read_text()).group(1)
print(f"peak-rss-kib {peak}", file=sys.stderr)
sys.exit(status)
"""


def run_measured(cli_args: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes) of `python -m wavllm_core ARGS` in a child (imports only if no ARGS)."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _CHILD, *cli_args], cwd=ROOT, stderr=subprocess.PIPE, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    if done.returncode:
        raise SystemExit(f"{cli_args[:1]} failed with exit status {done.returncode}:\n{done.stderr[-2000:]}")
    peak = int(re.search(r"peak-rss-kib (\d+)", done.stderr).group(1)) * 1024
    return time.perf_counter() - start, peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llm-layers", type=int, default=2, help="LLaMA-7B-shaped layers (the release has 32)")
    parser.add_argument("--whisper-layers", type=int, default=2, help="Whisper large-v2-shaped layers (32 released)")
    parser.add_argument("--shard-mb", type=int, default=1024)
    parser.add_argument("--workdir", type=Path, default=None, help="where to put the files (default: a temp dir)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(dir=args.workdir) as work:
        work = Path(work)
        started = time.perf_counter()
        state = fake_release_state(release_shapes(args.llm_layers, args.whisper_layers))
        checkpoint = save_release(work / "final.pt", state)
        del state
        train_tiny_tokenizer(1024).save(work)
        size = checkpoint.stat().st_size
        print(f"synthetic checkpoint: {size / 1e9:.2f} GB ({args.llm_layers} LLaMA-7B layers, "
              f"{args.whisper_layers} Whisper large-v2 layers, full WavLM base), written in {time.perf_counter() - started:.0f} s")

        _, baseline = run_measured([])
        seconds, peak = run_measured(
            ["convert", "--checkpoint", str(checkpoint), "--out", str(work / "converted"), "--shard-mb", str(args.shard_mb)]
        )
        written = sum(f.stat().st_size for f in (work / "converted").glob("*.safetensors"))
    shard = args.shard_mb << 20
    print(f"converted {written / 1e9:.2f} GB in {seconds:.1f} s ({written / 1e6 / seconds:.0f} MB/s), shards of at most {shard / 1e9:.2f} GB")
    print(f"peak RSS of the conversion: {peak / 1e9:.2f} GB (imports alone: {baseline / 1e9:.2f} GB)")
    print(f"peak RSS / checkpoint size: {peak / size:.2f}; (peak - imports) / shard size: {(peak - baseline) / shard:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
