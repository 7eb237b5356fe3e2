"""The Model tab: what is loaded, switching models, and whether a preset would fit in memory.

The model is shared by every browser session, so a switch changes it for everyone; the banner at the
top of the page says when the loaded weights are untrained.
"""

from __future__ import annotations

import functools
import time

import gradio as gr

from wavllm_core.config import PRESETS
from wavllm_core.generation import peak_rss_mb
from wavllm_core.hub import OFFICIAL_NAME, models_dir
from wavllm_core.quantization import estimate_memory

from .service import MODEL_QUEUE, ModelInfo, ModelService, refusal

_OFFICIAL_HINT = (f"The official WavLLM (`{OFFICIAL_NAME}`) loads once it is converted into the model cache "
                  "(`python -m wavllm_core download`); a local directory with `config.json` + `*.safetensors` "
                  "loads from its path.")


def _count(parameters: int) -> str:
    return f"{parameters / 1e9:.2f} B" if parameters >= 1e9 else f"{parameters / 1e6:.1f} M"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def describe_model(info: ModelInfo) -> str:
    weights = "**untrained random weights** (development only)" if info.untrained else "trained"
    return "\n".join([
        "| | loaded model |", "|---|---|",
        f"| model | **{info.name}** |",
        f"| directory | `{info.directory}` |",
        f"| parameters | {_count(info.parameters)} |",
        f"| weights | {weights} |",
        f"| quantization | {info.quantization} |",
        f"| device | {info.device} |",
        f"| model memory | {info.memory_mb:,.0f} MB |",
        f"| process peak memory | {peak_rss_mb():,.0f} MB |",
        *([f"| about | {_cell(info.summary)} |"] if info.summary else []),
    ])


def banner_html(info: ModelInfo) -> str:
    """The untrained-weights warning shown above every tab ('' for a trained model)."""
    if not info.untrained:
        return ""
    return (f"<div class='untrained-banner'>⚠ <b>Untrained weights: development only.</b> "
            f"<code>{info.name}</code> has random weights, so its answers are random text. "
            f"Load a trained model in the Model tab.</div>")


def banner_update(service: ModelService):
    info = service.info()
    return gr.update(value=banner_html(info), visible=info.untrained)


def switch_model(service: ModelService, choice: str | None, directory: str | None, four_bit: bool):
    """Load the chosen preset / cached model, or the typed directory; the current model stays on failure."""
    target = (directory or "").strip() or (choice or "").strip()
    started = time.perf_counter()
    try:
        info = service.switch(target, load_in_4bit=bool(four_bit))
    except Exception as error:
        raise refusal(error) from None
    status = f"Loaded **{info.name}** ({info.quantization}, {info.device}) in {time.perf_counter() - started:.1f} s."
    return (describe_model(info), gr.update(value=banner_html(info), visible=info.untrained),
            gr.update(choices=service.choices(), value=info.name if info.name in service.choices() else None), status)


@functools.lru_cache(maxsize=8)
def _estimate(preset: str, quantization: str) -> str:
    return estimate_memory(preset, quantization).describe()


def estimate(choice: str | None) -> str:
    """Memory a preset needs on a GPU for one 30 s request, in fp16 and in 4-bit."""
    if choice not in PRESETS:
        return f"Estimates exist for the presets ({', '.join(PRESETS)}); `{choice}` is not one."
    return "\n".join(f"- {_estimate(choice, quantization)}" for quantization in ("fp16", "4bit"))


def model_info(service: ModelService) -> dict:
    """The loaded model as JSON (the /model_info API endpoint)."""
    info = service.info()
    return {**info.__dict__, "busy": service.busy}


def build_tab(service: ModelService, shared) -> None:
    info = service.info()
    with gr.Row(equal_height=False):
        with gr.Column(scale=1):
            summary = gr.Markdown(describe_model(info), elem_id="model-summary")
            refresh_btn = gr.Button("Refresh", size="sm")
        with gr.Column(scale=1):
            choices = service.choices()
            choice = gr.Dropdown(choices, value=info.name if info.name in choices else None, label="Model",
                                 allow_custom_value=True, elem_id="model-choice",
                                 info="presets, the converted official model, and models in " + str(models_dir()))
            directory = gr.Textbox(label="…or a local model directory", placeholder="/path/to/converted-model",
                                   elem_id="model-directory")
            four_bit = gr.Checkbox(False, label="Load the LLM in 4-bit NF4 (bitsandbytes)")
            with gr.Row():
                load_btn = gr.Button("Load", variant="primary", elem_id="load-model")
                estimate_btn = gr.Button("Estimate memory")
            status = gr.Markdown(_OFFICIAL_HINT, elem_id="model-status")
            estimate_box = gr.Markdown()

    load_btn.click(functools.partial(switch_model, service), [choice, directory, four_bit],
                   [summary, shared.banner, choice, status], api_visibility="private",
                   concurrency_id=MODEL_QUEUE, concurrency_limit=1)
    refresh_btn.click(lambda: describe_model(service.info()), None, summary, queue=False, api_visibility="private")
    estimate_btn.click(estimate, choice, estimate_box, api_visibility="private", concurrency_limit=1)
    info_json = gr.JSON(visible=False)
    gr.Button(visible=False).click(functools.partial(model_info, service), None, info_json, api_name="model_info",
                                   queue=False)
