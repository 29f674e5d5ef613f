"""Unknown keys in ``autotrader.toml`` and ``.env``: every one listed, with did-you-mean.

An ignored setting is a silent no-op: ``max_ordr_value = 1`` in the configuration, or
``KIWOOM_APPKY`` in ``.env``, must not leave the default quietly in force. These
functions only *find* the unknown keys (``autotrader.config`` and ``KiwoomSettings``
call them and raise one ``ConfigError`` listing all of them), so the one settings
resolution can call them wherever it reads a file.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from autotrader.errors import ConfigError
from autotrader.market.limits import INT64_MAX
from autotrader.safetext import escape

MAX_SETTINGS_BYTES = 1_000_000

ENV_KEYS = (
    "KIWOOM_APPKEY",
    "KIWOOM_SECRETKEY",
    "KIWOOM_REST_URL",
    "KIWOOM_WS_URL",
    "KIWOOM_DOMAIN",
    "KIWOOM_ACCOUNT",
)
_HEADER = re.compile(r"\s*\[+\s*([A-Za-z0-9_.\-\"' ]+?)\s*\]+\s*(?:#.*)?$")
_KEY = re.compile(r"\s*([A-Za-z0-9_\-\"']+)\s*=")


def hint(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def unknown_toml_keys(data: Mapping[str, Any], model: type[BaseModel], text: str = "") -> list[str]:
    """Every key of ``data`` that ``model`` (and its sub-sections) does not declare, as
    'line N: unknown key 'risk.x' (did you mean ...)' ('line N' when ``text`` shows it)."""
    found: list[str] = []
    _walk(data, model, (), text, found)
    return found


def _walk(
    data: Mapping[str, Any],
    model: type[BaseModel],
    prefix: tuple[str, ...],
    text: str,
    found: list[str],
) -> None:
    fields = model.model_fields
    for key, value in data.items():
        info = fields.get(key)
        if info is None:
            dotted = ".".join((*prefix, key))
            where = _line_of(text, prefix, key)
            at = f"line {where}: " if where else ""
            found.append(f"{at}unknown key '{escape(dotted)}'{hint(key, fields)}")
            continue
        sub = info.annotation
        if isinstance(value, Mapping) and isinstance(sub, type) and issubclass(sub, BaseModel):
            _walk(value, sub, (*prefix, key), text, found)


def _line_of(text: str, section: tuple[str, ...], key: str) -> int:
    """The line where ``key`` is set in ``[section]`` of a TOML text (0 if not found)."""
    current: tuple[str, ...] = ()
    for n, line in enumerate(text.splitlines(), 1):
        header = _HEADER.match(line)
        if header:
            current = tuple(p.strip().strip("\"'") for p in header.group(1).split("."))
        if header and current == (*section, key):
            return n
        m = _KEY.match(line)
        if m and current == section and m.group(1).strip("\"'") == key:
            return n
    return 0


def bad_numbers(data: Any, prefix: str = "") -> list[str]:
    """Every float that is not finite and every integer outside int64 (TOML allows
    ``inf`` and ``nan``; ``tomllib`` reads integers of any size)."""
    found: list[str] = []
    if isinstance(data, Mapping):
        for key, value in data.items():
            found += bad_numbers(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found += bad_numbers(value, f"{prefix}[{i}]")
    elif isinstance(data, float) and data - data != 0:
        found.append(f"{escape(prefix)}: {data} is not a finite number")
    elif isinstance(data, int) and not isinstance(data, bool) and abs(data) > INT64_MAX:
        found.append(f"{escape(prefix)}: number out of range (more than 2^63 - 1)")
    return found


def read_toml(path: Path) -> tuple[dict[str, Any], str]:
    """A TOML file's data and text; ConfigError for anything that keeps it from being read."""
    try:
        if path.stat().st_size > MAX_SETTINGS_BYTES:
            raise ConfigError(f"{path}: larger than {MAX_SETTINGS_BYTES:,} bytes")
        text = path.read_text(encoding="utf-8")
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None


def unknown_env_keys(values: Mapping[str, str], known: Iterable[str] = ENV_KEYS) -> list[str]:
    """Every key of a ``.env`` file that autotrader does not read, with did-you-mean."""
    names = list(known)
    return [f"unknown key '{escape(key)}'{hint(key, names)}" for key in values if key not in names]
