"""build_ui(service): the page (header, untrained-weights banner, tabs) and the settings it is served with.

Tabs are composed from `TABS`: each is a module-level `build_tab(service, shared)` that lays out its
components inside the current gr.Tab and wires its own events, so a new tab is one more entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import gradio as gr

from . import ask, model_panel, quiz
from .service import ModelService, sample_dir

UPLOAD_LIMIT = f"{ask.UPLOAD_LIMIT_MB}mb"
TABS: tuple[tuple[str, Callable[[ModelService, "Shared"], None]], ...] = (
    ("Ask", ask.build_tab),
    ("Model", model_panel.build_tab),
    ("Listening quiz", quiz.build_tab),
)
CSS = """
.untrained-banner { background: #fff4e5; border: 2px solid #f59e0b; color: #7c2d12; border-radius: 8px;
                    padding: 10px 14px; font-size: 1.05em; }
.notice p { margin: 2px 0; }
#chat .message { font-size: 0.97em; }
footer { display: none !important; }
"""
HEADER = ("# WavLLM Studio\nAsk anything about a recording: WavLLM (Whisper + WavLM encoders, LLaMA with a "
          "prompt-aware LoRA), streamed, multi-turn, with step-by-step answers and the figures behind each one.")


@dataclass(frozen=True)
class Shared:
    """Components every tab may update."""

    banner: gr.HTML


def build_ui(service: ModelService) -> gr.Blocks:
    info = service.info()
    with gr.Blocks(title="WavLLM Studio", analytics_enabled=False) as demo:
        gr.Markdown(HEADER)
        banner = gr.HTML(model_panel.banner_html(info), visible=info.untrained, elem_id="untrained-banner")
        shared = Shared(banner=banner)
        with gr.Tabs():
            for title, build_tab in TABS:
                with gr.Tab(title, id=title.lower()):
                    build_tab(service, shared)
        # The model is shared: a page opened after someone switched it shows the current one.
        demo.load(lambda: model_panel.banner_update(service), None, banner, queue=False, api_visibility="private")
    demo.queue(default_concurrency_limit=1)
    return demo


def launch(demo: gr.Blocks, host: str = "127.0.0.1", port: int | None = 7860, share: bool = False,
           prevent_thread_lock: bool = False, quiet: bool = False):
    """Serve with the app's limits: 50 MB uploads, files only from Gradio's cache, assets/samples and the
    quiz sets' audio folders (never a set's quiz.json: it holds the answers)."""
    return demo.launch(
        server_name=host, server_port=port, share=share, prevent_thread_lock=prevent_thread_lock, quiet=quiet,
        max_file_size=UPLOAD_LIMIT, allowed_paths=[str(sample_dir()), *quiz.audio_dirs()], show_error=True, run_history=False,
        footer_links=["api"], theme=gr.themes.Soft(), css=CSS, ssr_mode=False,
    )
