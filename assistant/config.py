"""Configuration: one pydantic-settings model tree mirroring config.yaml, loaded by load_config().

Precedence, lowest first: built-in defaults, the YAML file (``--config``, XXGK_CONFIG or
./config.yaml), environment variables (XXGK_DATA_DIR, or XXGK_SECTION__FIELD such as
XXGK_CHROMA__MODE=http), then keyword overrides from code (``load_config(chroma__mode=…)``).

A relative ``data_dir`` in the YAML file is relative to that file; one given in the
environment or as an override is relative to the working directory.
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

from ingest.errors import ConfigError

ENV_PREFIX = "XXGK_"
CONFIG_ENV = f"{ENV_PREFIX}CONFIG"
DEFAULT_FILE = Path("config.yaml")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IngestConfig(_Section):
    max_file_mb: float = Field(50, gt=0, description="Files larger than this are refused.")
    workers: int | None = Field(None, gt=0, description="Processes that read and embed files at "
                                                        "once; empty: one per core.")
    ocr: Literal["auto", "off"] = Field(
        "auto", description="auto: OCR the pages without a text layer and image files; off: refuse them.")
    ocr_dpi: int = Field(200, ge=72, le=600, description="Resolution a scanned PDF page is rendered at for OCR.")
    ocr_threads: int = Field(0, ge=0, description="OCR threads (onnxruntime); 0: all cores.")


class StoreConfig(_Section):
    url: str | None = Field(None, description="Empty: SQLite in data_dir. postgresql://user@host:port/db "
                                              "for a team's PostgreSQL server.")


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
    timeout_s: float = Field(60, gt=0, description="The whole deadline of one answer, retries included.")


class ServerConfig(_Section):
    host: str = "127.0.0.1"
    port: int = 7860
    username: str | None = None
    password: str | None = None
    question_concurrency: int = Field(8, gt=0, description="Questions answered at the same time.")


# What load_config() is reading: the YAML file and the environment (a mapping, for tests).
_SOURCES: contextvars.ContextVar[tuple[Path | None, Mapping[str, str]]] = contextvars.ContextVar("xxgk_sources")


class _EnvironSource(EnvSettingsSource):
    """XXGK_* variables of the mapping load_config() was given (os.environ by default)."""

    def _load_env_vars(self) -> Mapping[str, str | None]:
        _, environ = _SOURCES.get()
        return {k.lower(): v for k, v in environ.items()}


class Config(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_nested_delimiter="__",
                                      extra="forbid", case_sensitive=False)

    data_dir: Path = Path("data")
    store: StoreConfig = StoreConfig()
    ingest: IngestConfig = IngestConfig()
    embedding: EmbeddingConfig = EmbeddingConfig()
    chroma: ChromaConfig = ChromaConfig()
    llm: LLMConfig = LLMConfig()
    server: ServerConfig = ServerConfig()

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings],
                                   init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource,
                                   dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource,
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        yaml_file, _ = _SOURCES.get((None, {}))
        sources: list[PydanticBaseSettingsSource] = [init_settings, _EnvironSource(settings_cls)]
        if yaml_file is not None:
            sources.append(YamlConfigSettingsSource(settings_cls, yaml_file=yaml_file,
                                                    yaml_file_encoding="utf-8"))
        return tuple(sources)

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "xxgk.sqlite3"

    @property
    def store_location(self) -> str | Path:
        """The fact store: store.url when set, else the SQLite file in data_dir."""
        return self.store.url or self.sqlite_path

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"


def _setting_names(model: type[BaseModel] = Config, prefix: str = "") -> set[str]:
    names: set[str] = set()
    for name, field in model.model_fields.items():
        names.add(prefix + name)
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
            names |= _setting_names(field.annotation, f"{prefix}{name}.")
    return names


def _env_settings(environ: Mapping[str, str]) -> dict[str, str]:
    """Setting path (chroma.mode) -> the XXGK_ variable that sets it, for every variable
    meant as a setting. A variable naming a known section but no setting is an error."""
    known = _setting_names()
    sections = {n for n in known if "." not in n and n != "data_dir"}
    out: dict[str, str] = {}
    for key in environ:
        if not key.upper().startswith(ENV_PREFIX) or key.upper() == CONFIG_ENV:
            continue
        path = ".".join(key[len(ENV_PREFIX):].lower().split("__"))
        if path in known:
            out[path] = key
        elif "__" in key:  # XXGK_SECTION__FIELD: meant as a setting
            section = path.split(".")[0]
            hint = (f"; {section} has: {', '.join(sorted(n.split('.', 1)[1] for n in known if n.startswith(section + '.')))}"
                    if section in sections else f"; sections are {', '.join(sorted(sections))}")
            raise ConfigError(f"environment variable {key} names no setting{hint}")
    return out


def _flatten(overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword overrides: chroma__mode="http" -> {"chroma": {"mode": "http"}}; None is unset."""
    tree: dict[str, Any] = {}
    for key, value in overrides.items():
        if value is None:
            continue
        node = tree
        parts = key.split("__")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return tree


def load_config(path: str | Path | None = None, environ: Mapping[str, str] | None = None,
                **overrides: Any) -> Config:
    """Read config.yaml (if any), apply XXGK_* variables and keyword overrides.

    Nested overrides use double underscores: load_config(chroma__mode="http").
    """
    environ = dict(os.environ if environ is None else environ)
    explicit = path or environ.get(CONFIG_ENV)
    config_file = Path(explicit) if explicit else DEFAULT_FILE
    if not config_file.exists():
        if explicit:
            raise ConfigError(f"config file {config_file} not found (XXGK_CONFIG or --config)")
        config_file = None
    else:
        _check_yaml(config_file)
    from_env = _env_settings(environ)
    token = _SOURCES.set((config_file, environ))
    try:
        config = Config(**_flatten(overrides))
    except ValidationError as exc:
        raise ConfigError(_explain(exc, config_file, from_env, overrides)) from None
    except yaml.YAMLError as exc:  # pragma: no cover - _check_yaml reads the file first
        raise ConfigError(f"{config_file} is not valid YAML: {exc}") from None
    finally:
        _SOURCES.reset(token)
    if not config.data_dir.is_absolute():
        given_in_file = config_file is not None and "data_dir" not in from_env and "data_dir" not in overrides
        base = config_file.resolve().parent if given_in_file else Path.cwd()
        config = config.model_copy(update={"data_dir": base / config.data_dir})
    return config


def _check_yaml(config_file: Path) -> None:
    try:
        data = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{config_file} is not valid YAML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read the config file {config_file} ({exc.strerror})") from None
    if data is not None and not isinstance(data, dict):
        raise ConfigError(f"{config_file} must hold a mapping of settings")


def _explain(exc: ValidationError, config_file: Path | None, from_env: Mapping[str, str],
             overrides: Mapping[str, Any]) -> str:
    """Each problem with the place it came from: an environment variable, an argument, the file."""
    problems = []
    for error in exc.errors():
        where = ".".join(map(str, error["loc"]))
        if where in from_env:
            source = f"environment variable {from_env[where]}"
        elif where.replace(".", "__") in overrides:
            source = "argument"
        else:
            source = str(config_file) if config_file else "defaults"
        problems.append(f"{where}: {error['msg']} (from {source})")
    return "invalid configuration: " + "; ".join(problems)
