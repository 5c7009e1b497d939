"""Property-based fuzzing of the importer and the name key: whatever the input, the tracker
either succeeds or raises its own documented errors."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import service_engine
from tracker.db.uow import UnitOfWork
from tracker.domain.names import clean_display_name, name_key
from tracker.errors import TrackerError
from tracker.importing import import_signatories


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    path: Path = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
    engine = service_engine(path, source="fuzz", letters=("fuzz",))
    yield engine
    engine.dispose()


lines = st.lists(
    st.one_of(
        st.text(max_size=40),
        st.sampled_from(
            [
                "name",
                "name,title,organization",
                "1.Ana",
                "2) Ben",
                "- Cy",
                "{}",
                '{"name": 3}',
                '{"name": "Ana", "status": "retracted"}',
                ",,,",
                '"',
                "1. Ana (Acme (x)",
                "<li>Ben</li>",
                "---",
                "## Organizations",
                "- Cy <small>(note)",
            ]
        ),
    ),
    max_size=12,
)


# Each import fuzz runs with the records checked in the importing process and in workers (the
# `import_checking` fixture holds for all of a test's examples).
SLOW_AND_SHARED = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]


@pytest.mark.usefixtures("import_checking")
@settings(max_examples=150, deadline=None, suppress_health_check=SLOW_AND_SHARED)
@given(
    lines=lines,
    fmt=st.sampled_from(["auto", "csv", "jsonl", "text", "markdown", "html"]),
    encoding=st.sampled_from([None, "utf-8", "latin-1", "utf-16"]),
    mode=st.sampled_from(["abort", "skip"]),
)
def test_importer_raises_only_documented_errors(engine, lines, fmt, encoding, mode) -> None:  # type: ignore[no-untyped-def]
    text = "\n".join(lines)
    try:
        data = text.encode(encoding or "utf-8", errors="surrogatepass")
    except UnicodeEncodeError:
        data = text.encode(encoding or "utf-8", errors="replace")
    # Never committed: each example starts from the same state.
    with UnitOfWork(engine) as uow, contextlib.suppress(TrackerError):
        import_signatories(
            uow=uow,
            slug="fuzz",
            source_key="fuzz",
            stream=io.BytesIO(data),
            label="fuzz.txt",
            fmt=fmt,
            encoding=encoding,
            on_error=mode,
        )


@pytest.mark.usefixtures("import_checking")
@settings(max_examples=300, deadline=None, suppress_health_check=SLOW_AND_SHARED)
@given(st.binary(max_size=200))
def test_importer_on_random_bytes(engine, data: bytes) -> None:  # type: ignore[no-untyped-def]
    with UnitOfWork(engine) as uow, contextlib.suppress(TrackerError):
        import_signatories(
            uow=uow,
            slug="fuzz",
            source_key="fuzz",
            stream=io.BytesIO(data),
            label="fuzz.bin",
            on_error="skip",
        )


@settings(max_examples=500)
@given(st.text(max_size=350))
def test_name_checks_raise_only_documented_errors(text: str) -> None:
    try:
        name = clean_display_name(text)
    except TrackerError:
        return
    key = name_key(name)
    assert name_key(key) == key
