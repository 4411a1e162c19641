"""The Gradio web app (chat with sources, report library, data). Built on assistant.Assistant.

``build_app(assistant[, library])`` returns the gr.Blocks without launching it;
``serve(config, host, port)`` builds everything from the configuration and launches.
Gradio is imported only when one of them is called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import gradio as gr

    from assistant.config import Config
    from assistant.service import Assistant

    from .library import Library


def build_app(assistant: Assistant, library: Library | None = None, *,
              question_concurrency: int = 8) -> gr.Blocks:
    from .app import build_app as _build_app

    return _build_app(assistant, library, question_concurrency=question_concurrency)


def serve(config: Config, host: str | None = None, port: int | None = None, *,
          no_login: bool = False) -> None:
    from .server import serve as _serve

    _serve(config, host=host, port=port, no_login=no_login)


__all__ = ["build_app", "serve"]
