"""What a question can be about: the ingested reports and the agencies behind them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property

from ingest.agency import identify
from ingest.gazetteer import Gazetteer
from ingest.models import AgencyIdentity
from ingest.recognize import short_names


@dataclass(frozen=True)
class CatalogEntry:
    report_id: str
    agency: str
    year: int | None
    template: str | None
    source_file: str
    short_names: tuple[str, ...] = ()
    agency_id: str | None = None
    division: str | None = None  # the agency's innermost division (adcode)
    organ: str | None = None  # canonical: 人民政府, 公安局
    place: str | None = None  # 淮安区, 平潭综合实验区
    printings: tuple[str, ...] = ()  # how its reports print the agency's name


@dataclass(frozen=True)
class Catalog:
    """The reports a question can be about (one answering copy per agency and year).

    Entries built without an identity (tests, old stores) get one from the gazetteer.
    """

    entries: tuple[CatalogEntry, ...]
    gazetteer: Gazetteer | None = None

    def __post_init__(self) -> None:
        if any(e.agency_id is None for e in self.entries):
            gazetteer = self.gazetteer or Gazetteer.load()
            object.__setattr__(self, "entries", tuple(
                e if e.agency_id is not None else _identified(e, identify(e.agency, gazetteer))
                for e in self.entries))

    @cached_property
    def agencies(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e.agency for e in self.entries))

    @cached_property
    def by_agency(self) -> dict[str, tuple[CatalogEntry, ...]]:
        out: dict[str, list[CatalogEntry]] = {}
        for e in self.entries:
            out.setdefault(e.agency, []).append(e)
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def agency_info(self) -> dict[str, CatalogEntry]:
        """Agency name -> one of its entries (for its id, division, organ and place)."""
        return {name: entries[0] for name, entries in self.by_agency.items()}

    @cached_property
    def name_owners(self) -> dict[str, frozenset[str]]:
        """Every name and short form people may use -> the agencies it can mean."""
        owners: dict[str, set[str]] = {}
        for entry in self.entries:
            for form in (entry.agency, *entry.short_names, *entry.printings, *short_names(entry.agency)):
                if len(form) >= 2:
                    owners.setdefault(form, set()).add(entry.agency)
        return {form: frozenset(agencies) for form, agencies in owners.items()}

    def years(self, agency: str | None = None) -> tuple[int, ...]:
        return tuple(sorted({e.year for e in self.entries
                             if e.year is not None and (agency is None or e.agency == agency)}))

    def entry(self, agency: str, year: int) -> CatalogEntry | None:
        return next((e for e in self.by_agency.get(agency, ()) if e.year == year), None)

    def report_ids(self, agencies: Sequence[str] = (), years: Sequence[int] = ()) -> list[str]:
        return [e.report_id for e in self.entries
                if (not agencies or e.agency in agencies) and (not years or e.year in years)]

    def within(self, division: str, gazetteer: Gazetteer) -> list[str]:
        """Agencies whose division is ``division`` or lies inside it."""
        return [name for name, info in self.agency_info.items()
                if info.division and (info.division == division or gazetteer.is_within(info.division, division))]

    def at(self, division: str) -> list[str]:
        """Agencies of exactly this division (its government, its bureaus, a zone located there)."""
        return [name for name, info in self.agency_info.items() if info.division == division]


def _identified(entry: CatalogEntry, identity: AgencyIdentity) -> CatalogEntry:
    return replace(entry, agency_id=identity.id, division=identity.division, organ=identity.organ,
                   place=identity.place, printings=entry.printings or (entry.agency,))
