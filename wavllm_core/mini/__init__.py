"""wavllm-mini: a small WavLLM built from pretrained parts that install from PyPI (no model hub).

Whisper tiny.en (semantic), the resemblyzer GE2E speaker LSTM (acoustic, in WavLM's slot) and
SmolLM2-135M-Instruct (LLM). `build.build_mini_base` assembles them; importing `ge2e` registers the
speaker-encoder kind with transformers' Auto classes and the processor's frame counting.
"""
