"""Finding 14 on the command line: the facade's checks reach the CLI as one line, exit 2."""

from __future__ import annotations

import pytest

from assistant.application import Application
from assistant.errors import InputError
from assistant.services import MAX_FAULT_CHARS, check_k
from tests.conftest import make_settings, run_cli


def test_remedies_refuses_a_bad_origin_and_a_fault_too_long(built_index) -> None:
    index = str(built_index.dir)
    result = run_cli("remedies", "--origin", "evil", "--index", index)
    assert result.exit_code == 2
    assert "origin must be any, ombudsman or council, not 'evil'" in " ".join(result.stderr.split())
    result = run_cli("remedies", "--fault", "x" * 100_000, "--index", index)
    assert result.exit_code == 2
    assert "the fault is 100,000 characters; the limit is 300" in " ".join(result.stderr.split())
    result = run_cli("ask", "delay", "--council", "y" * 1000, "--llm", "fake", "--index", index)
    assert result.exit_code == 2 and "the council filter is 1,000 characters" in result.stderr


def test_k_is_a_whole_number_from_1_to_50(built_index) -> None:
    app = Application(make_settings(built_index.dir), llm="fake")
    for bad in (-5, 0, 51, 2.5, True, "3"):
        with pytest.raises(InputError, match="k must"):
            app.search("delay at stage two", k=bad)  # type: ignore[arg-type]
    assert check_k(None) is None and check_k(7.0) == 7
    assert len(app.search("delay at stage two", k=3)) == 3
    with pytest.raises(InputError, match="the fault is"):
        app.remedies(fault="z" * (MAX_FAULT_CHARS + 1))
