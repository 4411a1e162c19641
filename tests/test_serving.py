"""Serving many users: questions run concurrently, library changes queue apart, the server
refuses an open address without a login, slows down password guessing, and starts cleanly."""

from __future__ import annotations

import socket
import threading

import pytest
from conftest import BigramEmbedding

from assistant.config import load_config
from assistant.factory import make_assistant, make_index
from devtools import samples
from ui import server as serving
from ui.library import Library


@pytest.fixture
def app_parts(tmp_path, sample_files):
    config = load_config(environ={}, data_dir=tmp_path / "data")
    index = make_index(config, embedding=BigramEmbedding())
    assistant = make_assistant(config, index=index)
    assistant.library.add([sample_files["files"]["text"]])
    return config, assistant, Library(assistant, tmp_path / "up")


def _functions(app):
    return {fn.name: fn for fn in app.fns.values()}


def test_questions_run_concurrently_and_library_changes_queue_apart(app_parts):
    from ui import build_app

    _, assistant, library = app_parts
    fns = _functions(build_app(assistant, library, question_concurrency=6))
    asks = [fn for fn in fns.values() if fn.name in ("ask", "ask_api")]
    assert asks and all(fn.concurrency_limit == 6 and fn.concurrency_id == "xxgk-questions" for fn in asks)
    changes = [fns[name] for name in ("add_files", "override", "do_delete")]
    assert all(fn.concurrency_limit == 1 and fn.concurrency_id == "xxgk-library" for fn in changes)
    assert fns["show_source"].concurrency_id != "xxgk-library"


def test_a_question_is_answered_while_an_upload_is_in_progress(app_parts, sample_files, tmp_path):
    """The store serves readers while a writer holds the library: no shared connection, no slot."""
    config, assistant, library = app_parts
    started, release = threading.Event(), threading.Event()
    real_save = library.service.ingestor.store.save_report

    def slow_save(*args, **kwargs):
        started.set()
        release.wait(30)
        return real_save(*args, **kwargs)

    library.service.ingestor.store.save_report = slow_save
    upload = threading.Thread(target=library.add, args=([sample_files["files"]["pdf2021"]],))
    upload.start()
    try:
        assert started.wait(60), "the upload never reached its transaction"
        answers = []
        asker = threading.Thread(target=lambda: answers.append(
            assistant.ask("望川县教育局2019年行政处罚多少件？")))
        asker.start()
        asker.join(30)
        assert answers and answers[0].value is not None, "the question waited for the upload"
    finally:
        release.set()
        upload.join(60)
    assert len(library.reports()) == 2


def test_many_threads_read_the_store_at_once(app_parts):
    _, assistant, _ = app_parts
    results, errors = [], []

    def ask():
        try:
            results.append(assistant.ask("望川县教育局2019年本年新收政府信息公开申请多少件？").value)
        except Exception as exc:  # collected: an exception in a thread would be lost
            errors.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors and len(set(results)) == 1 and results[0] is not None


# ------------------------------------------------------------------ exposure and login


def test_an_open_address_without_a_login_is_refused_unless_asked_for():
    assert serving.check_exposure("127.0.0.1", None, False) is None
    assert serving.check_exposure("localhost", None, False) is None
    assert serving.check_exposure("0.0.0.0", ("team", "pw"), False) is None
    with pytest.raises(serving.ServeError, match="without a login.*--no-login"):
        serving.check_exposure("0.0.0.0", None, False)
    with pytest.raises(serving.ServeError):
        serving.check_exposure("192.168.1.5", None, False)
    assert "warning" in serving.check_exposure("0.0.0.0", None, True)


def test_the_cli_refuses_an_open_address_without_a_login(tmp_path, capsys):
    from ui import cli

    code = cli.main(["--data-dir", str(tmp_path / "d"), "serve", "--host", "0.0.0.0"])
    assert code == serving.ServeError.exit_code
    err = capsys.readouterr().err
    assert "refusing to serve on 0.0.0.0 without a login" in err and "Traceback" not in err


def test_failed_logins_are_slowed_down_and_a_success_resets():
    waits: list[float] = []
    check = serving.SlowedLogin("team", "s3cret", sleep=waits.append)
    assert not check("team", "guess1") and not check("team", "guess2") and not check("x", "guess3")
    assert waits == [1.0, 2.0, 4.0]
    assert check("team", "s3cret") and check.failures == 0
    assert not check("team", "guess4") and waits[-1] == 1.0
    for _ in range(10):
        check("team", "again")
    assert max(waits) == check.max_delay


def test_a_port_in_use_is_one_line(tmp_path, monkeypatch, capsys):
    import gradio as gr

    from ui import cli

    with gr.Blocks() as tiny:
        gr.Markdown("x")
    monkeypatch.setattr(serving, "build", lambda config: tiny)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code = cli.main(["--data-dir", str(tmp_path / "d"), "serve", "--port", str(port)])
    err = capsys.readouterr().err
    assert code == serving.ServeError.exit_code
    assert f"port {port} on 127.0.0.1 is in use" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_sample_reports_for_serving_exist():
    assert samples.make_report("石桥县人民政府", 2022, "2021", seed=1).agency == "石桥县人民政府"
