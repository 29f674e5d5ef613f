"""One profile's outcome, as the summary formats (table, JSON, HTML) show it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class ProfileResult:
    profile: str
    what: str
    orders: int = 0  # new orders the fake accepted
    fills: int = 0  # shares the fake filled for them
    journal_fills: int = 0
    duplicates: int = 0
    lost: int = 0
    detect_s: float | None = None  # fault struck -> first symptom on the trader's side
    recover_s: float | None = None  # fault struck -> connected, nothing in doubt, books agree
    consistent: bool = False
    stopped: str = ""  # why the run ended early, when it did
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0  # wall time of the profile
    journal: str = ""

    @property
    def passed(self) -> bool:
        return self.consistent and not self.duplicates and not self.lost

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {"passed": self.passed}


def fresh_journal(folder: Path) -> Path:
    """``folder/journal.db``, the folder made and any earlier journal there removed."""
    folder.mkdir(parents=True, exist_ok=True)
    journal = folder / "journal.db"
    journal.unlink(missing_ok=True)
    return journal
