"""Start the web app: ``serve(config)`` builds the Assistant and the Library and launches Gradio."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from assistant.config import Config
from ingest.errors import ConfigError

if TYPE_CHECKING:
    import gradio as gr


def _offline_environment() -> None:
    # Before gradio is imported: no analytics, no version check, no share tunnel.
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def login(config: Config) -> tuple[str, str] | None:
    """(username, password) when both are configured; one without the other is a mistake."""
    username, password = config.server.username, config.server.password
    if not username and not password:
        return None
    if not (username and password):
        raise ConfigError("server.username and server.password must be set together "
                          "(config.yaml or XXGK_SERVER__USERNAME / XXGK_SERVER__PASSWORD)")
    return username, password


def build(config: Config) -> gr.Blocks:
    """The app for ``config``, not launched."""
    _offline_environment()
    from assistant.factory import make_assistant, make_index, make_ingestor, make_store

    from .app import build_app
    from .library import Library

    store = make_store(config)
    index = make_index(config)
    ingestor = make_ingestor(config, store=store, index=index)
    assistant = make_assistant(config, store=store, index=index)
    assistant.warm_up()  # the first question should not pay for building the indexes
    library = Library(ingestor, config.data_dir / "uploads", ingestor.max_file_bytes)
    return build_app(assistant, library)


def serve(config: Config, host: str | None = None, port: int | None = None) -> None:
    """Launch the web app and block. Binds config.server.host (127.0.0.1) unless told otherwise."""
    auth = login(config)
    app = build(config)
    from .app import launch_options

    host = host or config.server.host
    port = port or config.server.port
    app.queue(default_concurrency_limit=4)
    app.launch(
        server_name=host, server_port=port, auth=auth,
        auth_message="政府信息公开年报问答：请登录。" if auth else None,
        share=False, inbrowser=False, show_error=False,
        max_file_size=int(config.ingest.max_file_mb * 1_000_000),
        enable_monitoring=False, mcp_server=False, ssr_mode=False, pwa=False,
        **launch_options(),
    )
