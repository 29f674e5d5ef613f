"""The import contract: stages import only downstream, and no module imports in a circle.

Read from the source with ``ast`` (nothing is imported). A stage is a folder of
``autotrader`` (``broker.kiwoom`` counts as its own); ``ALLOWED`` says which stages each
may import at run time, and imports under ``if TYPE_CHECKING:`` are held to the same
contract: a stage that reads the engine's state (the feed writes it, compiled rules and
the risk guard read it) names what it reads as a protocol of its own
(``feed.kiwoom.TradeTarget``, ``risk.view.SymbolView``) instead of importing upward. The
README's design section draws the same picture.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "autotrader"

BASE = {"model", "errors", "clock", "market", "safetext"}  # shared values, facts, text escaping
ALLOWED: dict[str, set[str]] = {
    "model": set(),
    "errors": {"safetext"},  # error text is escaped where it is made
    "safetext": set(),
    "settings_check": BASE,  # unknown keys in settings, for every settings model
    "clock": set(),
    "crashpoint": set(),
    "market": {"model", "errors", "clock"},
    "rules": BASE,
    "feed": BASE,
    "compile": BASE | {"rules", "feed"},
    "journal": BASE,
    "risk": BASE,
    "broker": BASE | {"crashpoint"},
    "broker.kiwoom": BASE | {"broker", "crashpoint", "settings_check"},
    "engine": BASE | {"rules", "compile", "feed", "risk", "journal", "broker"},
    "live": BASE
    | {
        "rules",
        "compile",
        "feed",
        "risk",
        "journal",
        "broker",
        "broker.kiwoom",
        "engine",
        "crashpoint",
    },
    "report": BASE | {"journal", "rules", "config"},  # the strategy text, notifier settings
    "diagnose": BASE  # replays a run to say why a rule did not fire
    | {"rules", "compile", "feed", "risk", "journal", "broker", "engine", "config", "report"},
    "sweep": BASE | {"rules", "compile", "feed", "risk", "journal", "broker", "engine", "config"},
    "fake_kiwoom": BASE,  # the fake venue imports nothing of the trader
    "drill": BASE  # rehearses a strategy live against the fake venue (autotrader drill)
    | {
        "rules",
        "compile",
        "feed",
        "risk",
        "journal",
        "broker",
        "broker.kiwoom",
        "engine",
        "live",
        "fake_kiwoom",
        "report",
        "config",
    },
}
ENTRY_POINTS = {"autotrader", "__main__", "config", "settings"}  # and every cli*: they wire stages


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def stage(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "autotrader"
    if parts[1] == "broker" and len(parts) > 2 and parts[2] == "kiwoom":
        return "broker.kiwoom"
    return parts[1]


def imports(path: Path) -> Iterator[tuple[str, bool, int]]:
    """(imported autotrader module, under TYPE_CHECKING, line) for each import."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only.update(id(n) for n in ast.walk(node))
    package = module_name(path).rsplit(".", 1)[0]
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from its package
                base = ".".join(
                    [*package.split(".")[: len(package.split(".")) - node.level + 1], base]
                )
            base = base.strip(".")
            # "from package import module" imports the module
            names = [
                f"{base}.{a.name}" if _is_module(f"{base}.{a.name}") else base for a in node.names
            ]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            if name == "autotrader" or name.startswith("autotrader."):
                yield name, id(node) in typing_only, node.lineno


def _is_module(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def graph() -> dict[str, list[tuple[str, bool, int]]]:
    return {module_name(p): list(imports(p)) for p in sorted(PACKAGE.rglob("*.py"))}


def is_entry(s: str) -> bool:
    return s in ENTRY_POINTS or s.startswith("cli")


def forbidden(g: dict[str, list[tuple[str, bool, int]]]) -> list[str]:
    found = []
    for module, targets in g.items():
        src = stage(module)
        if is_entry(src):
            continue
        if src not in ALLOWED:
            found.append(
                f"{module}: stage {src!r} is not in the import contract (tests/test_imports.py)"
            )
            continue
        for target, _, line in targets:
            dst = stage(target)
            if dst == src or dst in ALLOWED[src]:
                continue
            found.append(f"{module}:{line} imports {target} ({src} may not import {dst})")
    return found


def cycles(g: dict[str, list[tuple[str, bool, int]]]) -> list[list[str]]:
    """Circles among imports, module by module, type-only ones included (a cycle of
    annotations is still two modules that cannot be understood one without the other)."""
    edges = {m: sorted({t for t, _, _ in ts if t in g}) for m, ts in g.items()}
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1 on the path, 2 done
    path: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        path.append(m)
        for t in edges[m]:
            if t == m or m.startswith(t + "."):
                continue  # a package's own __init__ (Python imports it first anyway)
            if state.get(t) == 1:
                found.append(path[path.index(t) :] + [t])
            elif t not in state:
                visit(t)
        path.pop()
        state[m] = 2

    for m in sorted(edges):
        if m not in state:
            visit(m)
    return found


def test_stages_import_only_what_the_contract_allows() -> None:
    """broker/ never imports engine/, only live/ wires engine and broker.kiwoom, and so on."""
    assert forbidden(graph()) == []


def test_no_module_imports_in_a_circle() -> None:
    """No import cycle anywhere in the package (engine.py <-> triggers.py was one)."""
    assert cycles(graph()) == []


@pytest.mark.parametrize(
    ("module", "line", "why"),
    [
        ("autotrader.broker.paper", "from autotrader.engine.state import SymbolState", "broker"),
        ("autotrader.engine.orders", "from autotrader.broker.kiwoom import KiwoomBroker", "engine"),
        ("autotrader.risk.guard", "from autotrader.journal import Journal", "risk"),
    ],
)
def test_the_contract_catches_a_forbidden_import(module: str, line: str, why: str) -> None:
    """A forbidden import added to a module is reported with its stage."""
    g = graph()
    g[module] = [*g[module], (line.split()[1], False, 999)]
    assert any(f"{module}:999" in f and f"{why} may not import" in f for f in forbidden(g))


def test_the_contract_catches_a_cycle() -> None:
    """An import of the engine from one of the modules it imports is a cycle."""
    g = graph()
    g["autotrader.engine.triggers"] = [
        *g["autotrader.engine.triggers"],
        ("autotrader.engine.engine", False, 1),
    ]
    assert any("autotrader.engine.triggers" in c for c in cycles(g))
