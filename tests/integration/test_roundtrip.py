"""Property: exporting a letter's signatories and importing them into a new letter gives the
same names, whatever the names are (as long as they are valid)."""

from __future__ import annotations

import csv
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
from tracker.reports.listings import signatories
from tracker.reports.output import write_csv
from tracker.services.letters import get_letter
from tracker.services.signatories import list_signatories

# Every test runs with the records checked in the importing process and in workers.
pytestmark = pytest.mark.usefixtures("import_checking")


def _valid(name: str) -> bool:
    try:
        clean_display_name(name)
    except TrackerError:
        return False
    return True


names = st.lists(
    st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=40
    ).filter(_valid),
    min_size=1,
    max_size=15,
    unique_by=lambda n: name_key(clean_display_name(n)),
)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    path: Path = tmp_path_factory.mktemp("roundtrip") / "roundtrip.db"
    engine = service_engine(path, source="s", letters=("original", "copy"))
    yield engine
    engine.dispose()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(names=names)
def test_export_then_import_gives_the_same_names(engine, names: list[str]) -> None:  # type: ignore[no-untyped-def]
    with UnitOfWork(engine) as uow:  # never committed: every example starts empty
        source = io.StringIO()
        csv.writer(source).writerows([["name"], *([n] for n in names)])
        import_signatories(
            uow=uow,
            slug="original",
            source_key="s",
            label="original.csv",
            stream=io.BytesIO(source.getvalue().encode()),
            fmt="csv",
        )
        exported = io.StringIO()
        write_csv(signatories(uow=uow, letter=get_letter(uow=uow, slug="original")), exported)
        rows = list(csv.DictReader(io.StringIO(exported.getvalue())))
        again = io.StringIO()
        csv.writer(again).writerows([["name"], *([r["name"]] for r in rows)])
        import_signatories(
            uow=uow,
            slug="copy",
            source_key="s",
            label="copy.csv",
            stream=io.BytesIO(again.getvalue().encode()),
            fmt="csv",
        )
        original = [r.name for r in list_signatories(uow=uow, slug="original")]
        copied = [r.name for r in list_signatories(uow=uow, slug="copy")]
        assert sorted(copied) == sorted(original)
        assert sorted(original) == sorted(clean_display_name(n) for n in names)
