"""What the tally means: the reported count beside the named list and the population."""

from __future__ import annotations

from dataclasses import dataclass


def share(part: int | None, whole: int | None) -> float | None:
    if part is None or not whole:
        return None
    return round(part / whole, 4)


@dataclass(frozen=True, slots=True)
class TallyFigures:
    population: int | None
    reported: int | None
    named: int

    @property
    def unnamed(self) -> int | None:
        """Reported signers whose names are not on the list (never below zero)."""
        if self.reported is None:
            return None
        return max(self.reported - self.named, 0)

    @property
    def reported_share_of_population(self) -> float | None:
        return share(self.reported, self.population)

    @property
    def named_share_of_reported(self) -> float | None:
        return share(self.named, self.reported)

    @property
    def named_share_of_population(self) -> float | None:
        return share(self.named, self.population)
