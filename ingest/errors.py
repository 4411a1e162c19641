"""Errors whose messages are safe to show users and say what to do next."""

from __future__ import annotations


class XxgkError(Exception):
    """Base of every error xxgk reports to a user."""

    exit_code = 1


class ConfigError(XxgkError):
    exit_code = 2


class InputError(XxgkError):
    """A file that cannot be ingested. The message names the file and the reason."""

    exit_code = 3

    def __init__(self, path: str, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class UnsupportedFile(InputError):
    pass


class StoreError(XxgkError):
    exit_code = 4


class NotFound(XxgkError):
    exit_code = 5


class BackendUnavailable(XxgkError):
    """A configured service (Chroma server, LLM server) cannot be reached."""

    exit_code = 6
