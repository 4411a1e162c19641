"""The real servers of devtools.servers, for tests: outside CI a missing server binary skips
the tests that need it, with the reason; with XXGK_REQUIRE_SERVERS=1 (set by .ci/run) it
fails them instead."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from devtools.servers import HOST, ChromaServer, PostgresServer, ServerMissing, free_port, stop

__all__ = ["HOST", "free_port", "stop", "start_chroma", "start_postgres"]


def _missing(reason: str) -> None:
    if os.environ.get("XXGK_REQUIRE_SERVERS") == "1":
        pytest.fail(f"{reason} (XXGK_REQUIRE_SERVERS=1: .ci/run installs it)")
    pytest.skip(reason)


def start_postgres() -> PostgresServer:
    try:
        return PostgresServer().start()
    except ServerMissing as exc:
        _missing(str(exc))
        raise


def start_chroma(root: Path) -> ChromaServer:
    try:
        return ChromaServer(root).start()
    except ServerMissing as exc:
        _missing(str(exc))
        raise
