"""Launch the real app (tiny-random, 127.0.0.1, a free port) for the end-to-end tests."""

from __future__ import annotations

import socket
from contextlib import contextmanager
from dataclasses import dataclass

import gradio as gr

from app.service import ModelService
from app.ui import build_ui, launch


@dataclass(frozen=True)
class RunningApp:
    url: str
    demo: gr.Blocks
    service: ModelService


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_app(model: str = "tiny-random"):
    """The app as `python app.py` serves it, in this process; closed on exit."""
    service = ModelService(model, device="cpu")
    demo = build_ui(service)
    _, url, _ = launch(demo, host="127.0.0.1", port=free_port(), prevent_thread_lock=True, quiet=True)
    try:
        yield RunningApp(url.rstrip("/"), demo, service)
    finally:
        demo.close()
