"""Agency identity end to end: organs of real places, printed two ways, misspelled, siblings.

The corpus (devtools.places) holds generated reports of a zone's committee and three of
its bureaus, a city and a district of the same name, a county's bureaus without its
government, a bureau printed with an OCR look-alike, and a fictional city.
"""

from __future__ import annotations

import json

import pytest
from conftest import BigramEmbedding

from assistant.config import load_config
from assistant.factory import make_assistant, make_index, make_ingestor
from devtools.places import PLACES, by_agency, write_places_corpus
from ingest.template import T2, T3
from ui import cli

NEW = (T3, "new_received", "total")
PENALTY = (T2, "penalty", "decisions")


@pytest.fixture(scope="module")
def places(tmp_path_factory):
    root = tmp_path_factory.mktemp("places")
    reports = write_places_corpus(root / "corpus")
    config = load_config(environ={}, data_dir=root / "data")
    index = make_index(config, embedding=BigramEmbedding())
    ingestor = make_ingestor(config, index=index)
    results = ingestor.ingest([root / "corpus"])
    assert all(r.status == "ingested" for r in results), [r.reason for r in results if r.failed]
    assistant = make_assistant(config, store=ingestor.store, index=index)
    return {"assistant": assistant, "store": ingestor.store, "results": results, "series": by_agency(reports),
            "config": config, "root": root}


def value(places, agency: str, year: int, cell=NEW) -> float:
    return float(places["series"][agency][year].values[cell])


# ------------------------------------------------------------------ identity at ingest


def test_one_organ_printed_two_ways_is_one_agency(places):
    store = places["store"]
    [district] = [a for a in store.agencies() if a.name == "淮安区人民政府"]
    assert district.id == "320803/人民政府" and district.path == ("江苏省", "淮安市", "淮安区")
    assert set(store.printings(district.id)) == {"淮安市淮安区人民政府", "淮安区人民政府"}
    assert places["assistant"].catalog().years("淮安区人民政府") == (2023, 2024)


def test_a_look_alike_place_is_read_as_the_real_one_and_said(places):
    [result] = [r for r in places["results"] if r.agency == "沭阳县交通运输局"]
    assert any("沐阳县 read as 沭阳县" in n for n in result.notes)
    agency = places["store"].agency("321322/交通运输局")
    assert agency is not None and agency.path == ("江苏省", "宿迁市", "沭阳县")


def test_every_agency_has_its_division_and_organ(places):
    names = {a.name: a for a in places["store"].agencies()}
    assert {agency for _, agency, _, _ in PLACES} == set(names)
    assert names["平潭综合实验区公安局"].division == "350128" and names["平潭综合实验区公安局"].organ == "公安局"
    assert names["浦东新区人民政府"].path == ("上海市", "浦东新区")
    assert names["青石市人民政府"].id == "name/青石市人民政府"  # fictional: its name is its identity


# ------------------------------------------------------------------ every organ answered for itself


@pytest.mark.parametrize("printed, agency, years, form", PLACES)
def test_each_organ_is_answered_for_that_organ(places, printed, agency, years, form):
    year = years[-1]
    answer = places["assistant"].ask(f"{agency}{year}年本年新收政府信息公开申请多少件？")
    assert answer.value == value(places, agency, year), answer.answer
    assert {c.agency for c in answer.citations} == {agency}


@pytest.mark.parametrize("question, agency, year", [
    ("How many administrative penalties did the Pingtan police bureau report in 2021?", "平潭综合实验区公安局", 2021),
    ("How many penalty decisions did the Pingtan Public Security Bureau make in 2022?", "平潭综合实验区公安局", 2022),
    ("Penalty decisions of Pingtan's public security bureau in 2022?", "平潭综合实验区公安局", 2022),
    ("How many administrative penalty decisions did Pingtan make in 2023?", "平潭综合实验区管委会", 2023),
    ("How many penalty decisions did the Pingtan Transport and Construction Bureau make in 2022?",
     "平潭综合实验区交通与建设局", 2022),
    ("How many penalties did Pingtan's finance bureau decide in 2022?", "平潭综合实验区财政金融局", 2022),
    ("How many administrative penalties did the Shuyang County Development and Reform Bureau decide in 2023?",
     "沭阳县发展和改革局", 2023),
    ("How many penalty decisions did the Shuyang transport bureau make in 2023?", "沭阳县交通运输局", 2023),
    ("How many penalties did the general office of the Shuyang county government report for 2023?",
     "沭阳县人民政府办公室", 2023),
    ("How many administrative penalties did the Huai'an District government decide in 2024?", "淮安区人民政府", 2024),
    ("How many administrative penalties did the Huai'an city government decide in 2024?", "淮安市人民政府", 2024),
    ("How many penalty decisions did the Huai'an Education Bureau make in 2024?", "淮安市教育局", 2024),
    ("How many penalty decisions did Tunxi District report for 2022?", "屯溪区人民政府", 2022),
    ("How many penalty decisions did the Pudong New Area government make in 2024?", "浦东新区人民政府", 2024),
])
def test_english_names_of_organs_and_places(places, question, agency, year):
    answer = places["assistant"].ask(question)
    assert not answer.abstained, answer.answer
    assert answer.value == value(places, agency, year, PENALTY), answer.answer
    assert {c.agency for c in answer.citations} == {agency}


@pytest.mark.parametrize("question, agency, year", [
    ("平潭公安局2022年行政处罚多少件？", "平潭综合实验区公安局", 2022),
    ("平潭交通与建设局2022年行政处罚决定数量是多少", "平潭综合实验区交通与建设局", 2022),
    ("沭阳发改局2023年行政处罚多少件", "沭阳县发展和改革局", 2023),
    ("沭阳县政府办公室2023年行政处罚多少件", "沭阳县人民政府办公室", 2023),
    ("淮安区2024年行政处罚多少件？", "淮安区人民政府", 2024),
    ("淮安2024年行政处罚多少件？", "淮安市人民政府", 2024),
    ("淮安市2024年行政处罚多少件？", "淮安市人民政府", 2024),
    ("屯溪区政府2022年行政处罚多少件", "屯溪区人民政府", 2022),
    ("浦东新区2024年行政处罚多少件", "浦东新区人民政府", 2024),
])
def test_chinese_short_forms_of_organs_and_places(places, question, agency, year):
    answer = places["assistant"].ask(question)
    assert answer.value == value(places, agency, year, PENALTY), answer.answer
    assert {c.agency for c in answer.citations} == {agency}


# ------------------------------------------------------------------ never another agency


@pytest.mark.parametrize("question, named, available", [
    ("沭阳县2023年新收多少件申请？", "沭阳县人民政府", "沭阳县发展和改革局"),
    ("How many requests did the Shuyang County government receive in 2023?", "Shuyang", "沭阳县发展和改革局"),
    ("淮安市公安局2024年新收多少件申请？", "淮安市公安局", "淮安市教育局"),
    ("How many requests did the Huai'an Public Security Bureau receive in 2024?", "Huai'an", "淮安市教育局"),
    ("宿迁市2023年新收多少件申请？", "宿迁市", "沭阳县发展和改革局"),
    ("平潭教育局2022年新收多少件申请？", "平潭教育局", "平潭综合实验区公安局"),
    ("How many requests did the Pingtan Education Bureau receive in 2022?", "Pingtan", "平潭综合实验区公安局"),
    ("海东市财政局2019年新收多少件申请？", "海东市财政局", "海东市教育局"),
])
def test_an_organ_or_place_not_ingested_is_refused_with_what_is(places, question, named, available):
    answer = places["assistant"].ask(question)
    assert answer.abstained and answer.value is None and not answer.citations, answer.answer
    assert named in answer.answer and available in answer.answer


@pytest.mark.parametrize("question", [
    "福州市2022年新收多少件申请？", "北京市2024年新收多少件申请？", "How many requests did Nanjing receive in 2024?",
    "清江浦区2024年新收多少件申请？", "黄山市2022年新收多少件申请？", "How many requests did Huangshan City receive in 2022?",
])
def test_a_place_not_ingested_never_gets_another_agencys_figure(places, question):
    answer = places["assistant"].ask(question)
    assert answer.abstained and answer.value is None and not answer.citations, answer.answer


def test_year_over_year_across_two_printings(places):
    answer = places["assistant"].ask("淮安区人民政府2024年新收申请比2023年多还是少？")
    assert answer.value == value(places, "淮安区人民政府", 2024) - value(places, "淮安区人民政府", 2023)
    assert {c.year for c in answer.citations} == {2023, 2024}
    both = places["assistant"].ask("淮安市淮安区人民政府2023年和2024年一共新收多少件申请？")
    assert both.value == value(places, "淮安区人民政府", 2024) + value(places, "淮安区人民政府", 2023)


# ------------------------------------------------------------------ the agencies command


def test_agencies_command_lists_merges_and_renames(places, capsys, tmp_path):
    data = str(places["config"].data_dir)
    assert cli.main(["--data-dir", data, "agencies", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    district = next(r for r in rows if r["name"] == "淮安区人民政府")
    assert {r["year"] for r in district["reports"]} == {2023, 2024}
    assert "淮安市淮安区人民政府" in district["printings"]
    assert cli.main(["--data-dir", data, "agencies"]) == 0
    assert "printed as: 淮安市淮安区人民政府" in capsys.readouterr().out


def test_merge_and_rename_change_what_answers(tmp_path):
    from devtools import samples

    config = load_config(environ={}, data_dir=tmp_path / "data")
    ingestor = make_ingestor(config, index=make_index(config, embedding=BigramEmbedding()))
    for name, year in (("青石市教育体育局", 2022), ("青石市教育局", 2023)):
        samples.write_text(samples.make_report(name, year, "2021", seed=year), tmp_path / f"{year}.txt")
    ingestor.ingest([tmp_path / "2022.txt", tmp_path / "2023.txt"])
    store = ingestor.store
    keep = next(a for a in store.agencies() if a.name == "青石市教育局")
    other = next(a for a in store.agencies() if a.name == "青石市教育体育局")
    assert cli.main(["--data-dir", str(config.data_dir), "agencies", "merge", keep.id, other.name]) == 0
    assistant = make_assistant(config, store=store, index=ingestor.index)
    assert assistant.catalog().years("青石市教育局") == (2022, 2023)
    assert cli.main(["--data-dir", str(config.data_dir), "agencies", "rename", keep.id, "青石市教育和体育局"]) == 0
    assert make_assistant(config, store=store, index=ingestor.index).catalog().years("青石市教育和体育局") == (2022, 2023)
    # A later ingest of the merged printing joins the kept agency.
    samples.write_text(samples.make_report("青石市教育体育局", 2024, "2021", seed=1), tmp_path / "2024.txt")
    [later] = ingestor.ingest([tmp_path / "2024.txt"])
    assert later.agency == "青石市教育和体育局"
