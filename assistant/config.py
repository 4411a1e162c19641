"""Configuration: one pydantic model tree mirroring config.yaml, loaded by load_config().

Precedence, lowest first: built-in defaults, the YAML file (XXGK_CONFIG or
./config.yaml), environment variables (XXGK_DATA_DIR, or XXGK_SECTION__FIELD
such as XXGK_CHROMA__MODE=http), then keyword overrides from code.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ingest.errors import ConfigError

ENV_PREFIX = "XXGK_"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IngestConfig(_Section):
    max_file_mb: float = Field(50, gt=0, description="Files larger than this are refused.")


class EmbeddingConfig(_Section):
    backend: Literal["use", "sentence-transformers"] = "use"
    model: str | None = Field(None, description="sentence-transformers model name or local path.")
    batch_size: int = Field(64, gt=0)


class ChromaConfig(_Section):
    mode: Literal["embedded", "http"] = "embedded"
    host: str = "127.0.0.1"
    port: int = 8000
    collection: str = "passages"


class LLMConfig(_Section):
    enabled: bool = False
    base_url: str = "http://127.0.0.1:8000/v1"
    model: str = "qwen2.5-7b-instruct"
    api_key_env: str = "XXGK_LLM_API_KEY"
    timeout_s: float = 60


class ServerConfig(_Section):
    host: str = "127.0.0.1"
    port: int = 7860
    username: str | None = None
    password: str | None = None


class Config(_Section):
    data_dir: Path = Path("data")
    ingest: IngestConfig = IngestConfig()
    embedding: EmbeddingConfig = EmbeddingConfig()
    chroma: ChromaConfig = ChromaConfig()
    llm: LLMConfig = LLMConfig()
    server: ServerConfig = ServerConfig()

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "xxgk.sqlite3"

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"


def _env_overrides(environ: dict[str, str]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for key, value in environ.items():
        if not key.startswith(ENV_PREFIX) or key in (f"{ENV_PREFIX}CONFIG",):
            continue
        parts = key[len(ENV_PREFIX):].lower().split("__")
        if parts[0] not in Config.model_fields:
            continue
        node = tree
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return tree


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def load_config(path: str | Path | None = None, environ: dict[str, str] | None = None,
                **overrides: Any) -> Config:
    """Read config.yaml (if any), apply XXGK_* variables and keyword overrides.

    Nested overrides use double underscores: load_config(chroma__mode="http").
    """
    environ = dict(os.environ if environ is None else environ)
    explicit = path or environ.get(f"{ENV_PREFIX}CONFIG")
    config_path = Path(explicit) if explicit else Path("config.yaml")
    data: dict[str, Any] = {}
    if config_path.exists():
        try:
            data = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"{config_path} is not valid YAML: {exc}") from None
        if not isinstance(data, dict):
            raise ConfigError(f"{config_path} must hold a mapping of settings")
    elif explicit:
        raise ConfigError(f"config file {config_path} not found (XXGK_CONFIG or --config)")
    data = _merge(data, _env_overrides(environ))
    keyword_tree: dict[str, Any] = {}
    for key, value in overrides.items():
        if value is None:
            continue
        node = keyword_tree
        parts = key.split("__")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    data = _merge(data, keyword_tree)
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"invalid configuration ({config_path}): {problems}") from None
