"""Training WavLLM: manifests, the two-stage curriculum, checkpoints and trained-parts files.

Import from the submodules (e.g. `from wavllm_core.training.parts import load_trained_parts`);
this package imports nothing heavy itself, so `evaluation` can share the manifest reader.
"""
