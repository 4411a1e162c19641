"""The national gazetteer and agency identity: every division resolves by its Chinese name and
its pinyin; unknown and sibling places never resolve to an ingested agency."""

from __future__ import annotations

import random

import pytest

from assistant.understanding import Catalog, CatalogEntry, parse_question
from assistant.understanding.agencies import _pinyin_index, _readings
from ingest.agency import corrections_for, identify, look_alike
from ingest.gazetteer import CITY, COUNTY, PROVINCE, Gazetteer, stem_of
from ingest.recognize import short_names


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.load()


def _levels(gazetteer: Gazetteer, level: int):
    return [d for d in gazetteer.divisions.values() if d.level == level and not d.is_placeholder
            and not gazetteer._repeats_parent(d)]


def test_the_gazetteer_holds_the_country_down_to_towns(gazetteer):
    assert len(_levels(gazetteer, PROVINCE)) >= 31
    assert len(_levels(gazetteer, CITY)) >= 330
    assert len(_levels(gazetteer, COUNTY)) >= 2800
    assert [d.name for d in gazetteer.path("321322")] == ["江苏省", "宿迁市", "沭阳县"]
    assert [d.name for d in gazetteer.path("310114")] == ["上海市", "嘉定区"]


@pytest.mark.parametrize("level", [PROVINCE, CITY, COUNTY])
def test_every_division_resolves_by_its_name_and_its_pinyin(gazetteer, level):
    index = _pinyin_index(gazetteer)
    for d in _levels(gazetteer, level):
        assert d in gazetteer.lookup(d.name), d.name
        readings = _readings(stem_of(d.name)) | _readings(d.short)
        assert any(d.code in index.get(r, ()) for r in readings), (d.name, readings)


def test_a_sample_of_counties_names_its_agency_in_both_languages(gazetteer):
    """Random real counties, each with an education bureau ingested: asked by Chinese name
    and by pinyin, the question names that bureau and no other."""
    rng = random.Random(7)
    counties = rng.sample([d for d in _levels(gazetteer, COUNTY) if len(gazetteer.lookup(d.name)) == 1], 40)
    entries = []
    for d in counties:
        name = f"{d.name}教育局"
        entries.append(CatalogEntry(f"{d.code}-2023", name, 2023, "2021", f"/r/{d.code}.txt", short_names(name)))
    catalog = Catalog(tuple(entries), gazetteer)
    for d, entry in zip(counties, entries):
        zh = parse_question(f"{d.name}教育局2023年新收多少件申请？", catalog)
        assert zh.agencies == (entry.agency,), (d.name, zh)
        reading = sorted(_readings(stem_of(d.name)))[0].capitalize()
        en = parse_question(f"How many requests did the {reading} Education Bureau receive in 2023?", catalog)
        assert en.agencies == (entry.agency,) or not en.agencies and en.ambiguous, (reading, en)


def test_printings_of_one_organ_share_an_identity(gazetteer):
    for a, b in (("淮安市淮安区人民政府", "淮安区人民政府"), ("江苏省宿迁市沭阳县发展和改革局", "沭阳县发改局"),
                 ("上海市浦东新区人民政府", "浦东新区人民政府"), ("平潭综合实验区管理委员会", "平潭综合实验区管委会"),
                 ("上海市科委", "上海市科学技术委员会")):
        assert identify(a, gazetteer).id == identify(b, gazetteer).id, (a, b)
    assert identify("淮安市人民政府", gazetteer).id != identify("淮安区人民政府", gazetteer).id
    assert identify("淮安市人民政府", gazetteer).id != identify("淮安市教育局", gazetteer).id


def test_a_look_alike_place_is_corrected_only_where_the_context_settles_it(gazetteer):
    assert look_alike("沐", "沭") and look_alike("潭", "谭") and not look_alike("沐", "泗")
    assert "沭阳县" in corrections_for("沐阳县", gazetteer)
    fixed = identify("宿迁市沐阳县交通运输局", gazetteer)
    assert fixed.division == "321322" and fixed.corrections == (("沐阳县", "沭阳县"),)
    assert identify("沐阳县交通运输局", gazetteer, context="宿迁市人民政府").division == "321322"
    alone = identify("沐阳县交通运输局", gazetteer)  # no parent, nothing in the text: not guessed
    assert alone.division is None and not alone.corrections


def test_the_same_county_name_in_two_provinces_is_told_apart_by_context(gazetteer):
    beijing = identify("朝阳区人民政府", gazetteer, context="北京市朝阳区2023年政府信息公开工作年度报告")
    changchun = identify("朝阳区人民政府", gazetteer, context="长春市朝阳区人民政府")
    assert beijing.division == "110105" and changchun.division == "220104"
    assert beijing.name != changchun.name  # shown with their parents
    assert identify("朝阳区人民政府", gazetteer).division is None  # not guessed


@pytest.fixture(scope="module")
def small_catalog(gazetteer):
    names = ["淮安市人民政府", "沭阳县发展和改革局", "平潭综合实验区管委会"]
    return Catalog(tuple(CatalogEntry(n, n, 2023, "2021", f"/r/{n}.txt", short_names(n)) for n in names), gazetteer)


@pytest.mark.parametrize("question", [
    "淮安区2023年新收多少件申请？", "淮阴区2023年新收多少件申请？", "淮安市公安局2023年新收多少件申请？",
    "宿迁市2023年新收多少件申请？", "沭阳县2023年新收多少件申请？", "泗阳县发展和改革局2023年新收多少件申请？",
    "福州市2023年新收多少件申请？", "平潭县财政局2023年新收多少件申请？", "南京市2023年新收多少件申请？",
    "How many requests did Huai'an District receive in 2023?", "How many requests did Siyang County receive in 2023?",
    "How many requests did the Huai'an police receive in 2023?", "How many requests did Fuzhou receive in 2023?",
    "How many requests did the Shuyang County government receive in 2023?",
])
def test_unknown_and_sibling_places_never_resolve_to_an_ingested_agency(small_catalog, question):
    query = parse_question(question, small_catalog)
    assert query.agencies == () and query.ambiguous == (), query
    assert query.unknown_agency
