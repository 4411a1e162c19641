"""xxgk runs offline: no model downloads, no telemetry. Every entry point calls this first.

The libraries read these variables when they are imported, so entry points (the CLI,
the web server, scripts, the tests) call ``stay_offline()`` before importing them;
values the user set are kept.
"""

from __future__ import annotations

import os

OFFLINE_ENVIRONMENT = {
    "HF_HUB_OFFLINE": "1",            # huggingface_hub: never download a model
    "TRANSFORMERS_OFFLINE": "1",
    "ANONYMIZED_TELEMETRY": "False",  # chromadb's posthog
    "GRADIO_ANALYTICS_ENABLED": "False",
}


def stay_offline() -> None:
    for name, value in OFFLINE_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
