"""The command line rejects bad questions with exit code 2 and a message, before touching the index."""

from __future__ import annotations

import pytest
from conftest import make_mini_assistant, run_cli
from test_progress import Terminal

from assistant.cli import main


@pytest.mark.parametrize(
    ("question", "message"),
    [("", "Bitte stellen Sie eine Frage"), ("Frage " * 400, "zu lang"), ("12345", "keine Wörter")],
)
def test_bad_question_exits_2_with_a_message_and_no_index(tmp_path, question, message):
    index_dir = tmp_path / "index"
    result = run_cli("ask", question, index_dir=index_dir)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ")
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    # Validation ran before the index was opened or built: nothing was created.
    assert not index_dir.exists() or not any(index_dir.iterdir())


def test_bad_question_in_english(tmp_path):
    result = run_cli("ask", "", "--lang", "en", index_dir=tmp_path / "index")
    assert result.returncode == 2
    assert "Please ask a question" in result.stderr


def test_unknown_command_is_a_usage_error(tmp_path):
    result = run_cli("frobnicate", index_dir=tmp_path / "index")
    assert result.returncode == 2
    assert "usage" in result.stderr
    assert "Traceback" not in result.stderr


def test_invalid_setting_is_reported_without_traceback(monkeypatch, capsys):
    monkeypatch.setenv("ASSISTANT_EMBEDDER", "word2vec")
    assert main(["ask", "Wie viele Einwohner hat Aachen?"]) == 1
    err = capsys.readouterr().err
    assert "unknown embedder" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(("args", "env", "drawn"), [
    (["build-index"], {}, True),
    (["build-index", "--quiet"], {}, False),
    (["build-index"], {"ASSISTANT_PROGRESS": "false"}, False),
])
def test_build_index_shows_progress_on_a_terminal_unless_asked_not_to(tmp_path, monkeypatch, capsys, args, env, drawn):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    monkeypatch.setattr("assistant.cli._assistant", lambda settings: make_mini_assistant(tmp_path / "index"))
    assert main(args) == 0
    assert "index built: 27 chunks" in capsys.readouterr().out
    assert ("[2/2] embedding sentences" in terminal.getvalue()) is drawn
    assert drawn or terminal.getvalue() == ""


def test_ask_prints_the_contact_with_a_refusal(mini_assistant, monkeypatch, capsys):
    from assistant.handoff import Contact, Handoff

    monkeypatch.setattr(mini_assistant, "handoff", Handoff(Contact("Bürgerservice", phone="0800 123")))
    monkeypatch.setattr("assistant.cli._assistant", lambda settings: mini_assistant)
    assert main(["ask", "Wer ist der Bürgermeister von Hamburg?"]) == 0
    assert capsys.readouterr().out.rstrip().endswith("Persönliche Hilfe: Bürgerservice\nTelefon: 0800 123")
    assert main(["ask", "Wie viele Einwohner hat Aachen?", "--json"]) == 0
    assert '"handoff": null' in capsys.readouterr().out


def test_a_malformed_contact_setting_is_reported_without_traceback(monkeypatch, capsys):
    monkeypatch.setenv("ASSISTANT_HANDOFF_URL", "javascript:alert(1)")
    assert main(["ask", "Wie viele Einwohner hat Aachen?"]) == 1
    err = capsys.readouterr().err
    assert "not a web address" in err and "Traceback" not in err
