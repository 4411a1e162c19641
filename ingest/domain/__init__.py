"""Domain knowledge kept as data files beside this module, checked against a schema.

- ``organs.yaml``: organ names, their other printings and English names; the organ a
  place named alone means; English for the parts organ names are built of.
- ``vocabulary.yaml``: how people name the template's rows and columns when they ask,
  in Chinese and English (regexes), checked against the template (ingest.template).
- ``words.yaml``: closed-class and framing words by role (what search, sentence
  extraction and the coverage rule drop or explain), Chinese synonyms, and the English
  glossary of the sentence extractor.

Loaded once per process by :func:`organ_data`, :func:`vocabulary` and :func:`words`.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .. import template as tpl
from ..errors import ConfigError


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Organ(_Data):
    name: str = Field(min_length=1, description="the form an agency id uses: 人民政府, 发展和改革局")
    shown: str | None = Field(None, description="the printing agency names are written with, if not name")
    aliases: tuple[str, ...] = ()
    en: tuple[str, ...] = ()


class OrganData(_Data):
    organs: tuple[Organ, ...]
    place_government: dict[str, str]
    fields: dict[str, tuple[str, ...]]
    heads: dict[str, tuple[str, ...]]

    def canonical(self, organ: str) -> str:
        """The organ's name as ids use it: 政府 -> 人民政府, 发改局 -> 发展和改革局."""
        for entry in self.organs:
            if organ == entry.name or organ in entry.aliases:
                return entry.name
        for entry in self.organs:  # a printing that ends in an alias: 县政府办 -> 人民政府办公室
            for alias in sorted(entry.aliases, key=len, reverse=True):
                if len(alias) >= 2 and organ.endswith(alias) and not organ.endswith(entry.name):
                    return organ[: -len(alias)] + entry.name
        return organ

    def shown(self, organ: str) -> str:
        """How a name prints the organ: 管理委员会 -> 管委会, 发改局 -> 发展和改革局."""
        canonical = self.canonical(organ)
        entry = next((e for e in self.organs if e.name == canonical), None)
        return entry.shown or entry.name if entry else canonical

    def short_forms(self, organ: str) -> tuple[str, ...]:
        """Other printings people use for the organ (发改局 for 发展和改革局), including the
        empty one for a place's government (淮安市 for 淮安市人民政府)."""
        canonical = self.canonical(organ)
        forms = [p for p in self.printings(canonical) if p != organ]
        if canonical in self.place_government.values():
            forms.append("")
        return tuple(dict.fromkeys(forms))

    def government_of(self, place: str) -> str:
        """The organ a place named alone means: 平潭综合实验区 -> 管理委员会, 沭阳县 -> 人民政府."""
        for suffix in sorted(self.place_government, key=len, reverse=True):
            if suffix and place.endswith(suffix):
                return self.place_government[suffix]
        return self.place_government.get("", "人民政府")

    def printings(self, organ: str) -> tuple[str, ...]:
        """Every printing of a canonical organ: 人民政府 -> (人民政府, 政府)."""
        for entry in self.organs:
            if entry.name == organ:
                return (entry.name, *entry.aliases)
        return (organ,)

    def english(self, organ: str) -> tuple[str, ...]:
        for entry in self.organs:
            if entry.name == organ:
                return entry.en
        return ()


@cache
def organ_data() -> OrganData:
    return _load("organs.yaml", OrganData)


class Term(_Data):
    """Phrases that name rows (or columns) of one table."""

    table: Literal["t2", "t3", "t4"]
    rows: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    default_column: str | None = None
    zh: tuple[str, ...]
    en: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _fits_the_template(self) -> Term:
        for key in self.rows:
            tpl.row(self.table, key)  # KeyError: not a row of this table
        for key in (*self.columns, *([self.default_column] if self.default_column else [])):
            tpl.column(self.table, key)
        for pattern in (*self.zh, *self.en):
            re.compile(pattern)
        if bool(self.rows) == bool(self.columns):
            raise ValueError("a term names rows or columns")
        return self


class Vocabulary(_Data):
    rows: tuple[Term, ...]
    columns: tuple[Term, ...]


def _word_list(value: object) -> object:
    return tuple(value.split()) if isinstance(value, str) else value


class ChineseWords(_Data):
    closed: frozenset[str] = Field(description="particles, pronouns, prepositions, how-many words")
    asks_other: frozenset[str] = Field(description="words asking when, where, who or how")
    function_chars: frozenset[str] = Field(description="characters that are function words alone")
    report_framing: frozenset[str] = Field(description="words framing any question about a report")
    table_framing: frozenset[str] = Field(description="further words any table question uses")
    dictionary: tuple[str, ...] = Field(description="template words jieba's dictionary cuts apart")
    synonyms: dict[str, tuple[str, ...]] = Field(description="question word -> report spellings")

    @field_validator("closed", "asks_other", "report_framing", "table_framing", "dictionary", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return _word_list(value)

    @field_validator("function_chars", mode="before")
    @classmethod
    def _chars(cls, value: object) -> object:
        return tuple(value) if isinstance(value, str) else value


class EnglishWords(_Data):
    closed: frozenset[str] = Field(description="articles, prepositions, pronouns, auxiliaries")
    asking: frozenset[str] = Field(description="verbs and quantity words of questions about cases")
    report_framing: frozenset[str] = Field(description="words framing any question about a report")
    table_framing: frozenset[str] = Field(description="the framing of any question about the tables")
    glossary: dict[str, tuple[str, ...]] = Field(description="English phrase -> Chinese spellings")

    @field_validator("closed", "asking", "report_framing", "table_framing", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return _word_list(value)

    @field_validator("glossary")
    @classmethod
    def _lower_case(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        if any(phrase != phrase.lower() or not forms for phrase, forms in value.items()):
            raise ValueError("glossary phrases are lower case, each with a Chinese spelling")
        return value


class Words(_Data):
    zh: ChineseWords
    en: EnglishWords


def _load(name: str, schema: type[_Data]):
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    try:
        return schema.model_validate(yaml.safe_load(text))
    except (ValidationError, KeyError, re.error) as exc:  # a broken data file is a packaging error
        raise ConfigError(f"ingest/domain/{name} does not fit its schema: {exc}") from None


@cache
def vocabulary() -> Vocabulary:
    return _load("vocabulary.yaml", Vocabulary)


@cache
def words() -> Words:
    return _load("words.yaml", Words)
