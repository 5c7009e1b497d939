"""Ctrl-C is remembered (`tracker.runtime`): one that Python drops is raised again later."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest

from tracker import runtime


@pytest.fixture
def sigint_handler(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(runtime, "_ctrl_c", False)
    previous = signal.getsignal(signal.SIGINT)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.usefixtures("sigint_handler")
def test_a_ctrl_c_dropped_in_a_finalizer_is_raised_at_the_next_safe_point() -> None:
    signal.signal(signal.SIGINT, signal.default_int_handler)
    runtime.keep_ctrl_c()

    class Finalized:
        def __del__(self) -> None:
            signal.raise_signal(signal.SIGINT)  # raised inside __del__, where Python drops it

    Finalized()
    with pytest.raises(KeyboardInterrupt):
        runtime.stop_if_interrupted()


@pytest.mark.usefixtures("sigint_handler")
def test_a_ctrl_c_ignored_from_the_start_stays_ignored() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    runtime.keep_ctrl_c()
    assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    signal.raise_signal(signal.SIGINT)
    runtime.stop_if_interrupted()  # nothing was remembered
