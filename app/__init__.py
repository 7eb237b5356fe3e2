"""WavLLM Studio's Gradio app: tabs over the shared model service (no model math here; see wavllm_core)."""
