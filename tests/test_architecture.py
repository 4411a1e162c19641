"""The shape of the code: dependencies point one way, adapters only call the service,
the public API is what it says, and the product carries no test-data generator."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Lower layers never import higher ones: ingest (text utilities, models, ingest) ←
# assistant (answering, then config/factory/service) ← ui (CLI, web app, eval runner).
LAYERS = {"ingest": 0, "assistant": 1, "ui": 2}
PRODUCT = tuple(LAYERS)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for package in PRODUCT for p in (ROOT / package).rglob("*.py")}


def _imports(name: str, path: Path) -> set[str]:
    """Every module ``name`` imports, at the top or inside a function."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: {m for m in _imports(name, path) if m in modules and m != name}
            for name, path in modules.items()}


def test_no_module_imports_a_later_stage():
    offenders = [(name, target) for name, targets in _graph().items() for target in targets
                 if LAYERS[target.split(".")[0]] > LAYERS[name.split(".")[0]]]
    assert offenders == []


def test_the_product_does_not_import_its_test_tools():
    # devtools (sample reports, reportlab) is for tests, benchmarks and `xxgk demo` only.
    offenders = [name for name, path in _modules().items()
                 if any(m.split(".")[0] == "devtools" for m in _imports(name, path))
                 and name != "ui.cli"]
    assert offenders == []


def test_imports_form_no_circle():
    graph = _graph()
    state: dict[str, int] = {}
    circles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                circles.append(trail[trail.index(target):] + [target])
            elif target not in state:
                visit(target, [*trail, target])
        state[node] = 2

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    # A package's __init__ re-exporting its modules is not a circle of the modules themselves.
    circles = [c for c in circles if not any(_is_package(m) for m in c)]
    assert circles == []


def _is_package(name: str) -> bool:
    return (ROOT / Path(*name.split(".")) / "__init__.py").is_file()


def test_adapters_touch_no_store_and_build_no_backend():
    """The CLI, the web app and the eval runner call the service; the store, the index and
    the ingest pipeline are the service's."""
    backend = {"ingest.store", "ingest.index", "ingest.pipeline.Ingestor", "assistant.factory.make_store",
               "assistant.factory.make_index", "assistant.factory.make_ingestor"}
    offenders = []
    for name, path in _modules().items():
        if not name.startswith("ui"):
            continue
        offenders += [(name, m) for m in _imports(name, path) & backend]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        offenders += [(name, f"line {n.lineno}: .store") for n in ast.walk(tree)
                      if isinstance(n, ast.Attribute) and n.attr == "store"]
    assert offenders == []


def test_importing_ingest_loads_no_web_framework_and_no_pdf_writer():
    names = sorted(n for n in _modules() if n.split(".")[0] == "ingest")
    script = ("import importlib, json, sys\n"
              f"for name in {names!r}: importlib.import_module(name)\n"
              "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
    loaded = json.loads(subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True,
                                       capture_output=True, text=True).stdout)
    assert {"reportlab", "gradio", "assistant", "ui", "devtools"}.isdisjoint(loaded)


def test_the_public_api_is_what_it_says():
    import assistant

    assert sorted(assistant.__all__) == [
        "AgencySummary", "Answer", "Assistant", "Evidence", "FindingNote", "ReportLibrary",
        "ReportSummary", "from_config", "make_assistant"]
    missing = [name for name in assistant.__all__ if not hasattr(assistant, name)]
    assert missing == []
    public = {n for n in vars(assistant) if not n.startswith("_")}
    # Everything else the package namespace shows is a submodule, not API.
    assert {n for n in public - set(assistant.__all__) if not _is_package(f"assistant.{n}")
            and not (ROOT / "assistant" / f"{n}.py").is_file()} == set()


def test_adapters_ask_through_the_service():
    """Adapters never compute an answer themselves: they import no parser, calculator,
    renderer, extractor or retriever (the web app reads the catalog's type and the
    language of what the user typed, for its own messages)."""
    answering = ("assistant.understanding", "assistant.compute.Calculator", "assistant.render",
                 "assistant.extract", "assistant.retrieval")
    allowed = {"assistant.understanding", "assistant.understanding.Catalog"}
    used = {(name, m) for name, path in _modules().items() if name.startswith("ui")
            for m in _imports(name, path) if m.startswith(answering) and m not in allowed}
    assert used == set()
