"""One resolution of settings for every verb: flag > environment > ``.env`` > TOML > default.

Every command (``run``, ``report``, ``halt``, ``resume``, ``validate``...) calls
``resolve_settings`` once, so all of them agree on the journal and its kill switch file:
``autotrader halt`` in another terminal reaches the engine running with the journal
named in ``autotrader.toml``.

Where each value comes from, highest first:

1. a command-line flag (``--journal``, ``--config``);
2. the environment: ``AUTOTRADER_JOURNAL``, ``AUTOTRADER_CONFIG`` (the TOML file to read),
   and any value of the file as ``AUTOTRADER_<SECTION>__<KEY>`` (``AUTOTRADER_PAPER__CASH=
   5_000_000``, ``AUTOTRADER_RISK__TRADING_HOURS='["09:00", "15:00"]'``), values written
   as TOML literals (a bare word is text);
3. the same names in ``.env`` in the working directory, read with python-dotenv (it may
   hold Kiwoom keys too, so it must be readable only by you);
4. ``autotrader.toml`` in the working directory (or the file named above);
5. the defaults of ``config.AppConfig``.

A relative journal path in a TOML file is relative to that file's folder, so every verb
finds the same journal wherever it runs from; from a flag or the environment, to the
working directory. Unknown keys and bad values, from any source, are all reported at
once, each with where it came from.
"""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dotenv import dotenv_values
from pydantic import ValidationError

from autotrader.config import DEFAULT_CONFIG_FILE, AppConfig
from autotrader.errors import ConfigError
from autotrader.settings_check import bad_numbers, read_toml

ENV_PREFIX = "AUTOTRADER_"
CONFIG_ENV = "AUTOTRADER_CONFIG"
JOURNAL_ENV = "AUTOTRADER_JOURNAL"
_TOP_LEVEL = frozenset({"JOURNAL", "JOURNAL_RAW_FRAMES"})  # AUTOTRADER_<KEY> names we own


@dataclass(frozen=True)
class Settings:
    """The resolved configuration, the journal every verb uses, and where values came from."""

    config: AppConfig
    journal: Path
    config_file: Path | None = None
    origins: dict[str, str] = field(default_factory=dict)  # dotted key -> source

    def origin(self, key: str) -> str:
        return self.origins.get(key, "default")


def resolve_settings(
    *,
    config: Path | None = None,
    journal: Path | None = None,
    env: Mapping[str, str] | None = None,
    env_file: Path | None = Path(".env"),
) -> Settings:
    """Resolve once, for one command; raises ConfigError naming every problem."""
    environ = dict(os.environ if env is None else env)
    dotenv = _read_dotenv(env_file) if env_file is not None else {}
    config_file, config_origin = _config_file(config, environ, dotenv)
    data: dict[str, Any] = {}
    origins: dict[str, str] = {}
    if config_file is not None:
        data = _read_toml(config_file)
        for key in _leaves(data):
            origins[key] = str(config_file)
    for source, values in ((".env", dotenv), ("environment", environ)):
        for name, raw in sorted(values.items()):
            dotted = _key_of(name)
            if dotted is not None and raw is not None:
                _put(data, dotted, _literal(raw))
                origins[".".join(dotted)] = f"{name} ({source})"
    if journal is not None:
        data["journal"] = str(journal)
        origins["journal"] = "--journal"
    try:
        cfg = AppConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_problems(exc, origins)) from None
    path = Path(cfg.journal).expanduser()
    if (
        not path.is_absolute()
        and config_file is not None
        and origins.get("journal") == str(config_file)
    ):
        path = config_file.parent / path
    if config_origin:
        origins["config"] = config_origin
    return Settings(cfg, path, config_file, origins)


def ensure_journal_folder(path: Path) -> None:
    """Create the journal's folder if it is missing; a one-line ConfigError if impossible."""
    folder = path.parent
    if folder.is_dir():
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"journal {path}: cannot create its folder {folder}: {exc.strerror}"
        ) from None


def _config_file(
    flag: Path | None, environ: Mapping[str, str], dotenv: Mapping[str, str | None]
) -> tuple[Path | None, str]:
    for value, origin in (
        (flag, "--config"),
        (environ.get(CONFIG_ENV), f"{CONFIG_ENV} (environment)"),
        (dotenv.get(CONFIG_ENV), f"{CONFIG_ENV} (.env)"),
    ):
        if value:
            path = Path(value).expanduser()
            if not path.is_file():
                raise ConfigError(f"configuration file not found: {path} (from {origin})")
            return path.absolute(), origin
    default = Path(DEFAULT_CONFIG_FILE)
    return (default.absolute(), "") if default.is_file() else (None, "")


def _read_toml(path: Path) -> dict[str, Any]:
    """The file's data: bounded in size and depth, every number finite and in int64."""
    data, _ = read_toml(path)
    problems = bad_numbers(data)
    if problems:
        raise ConfigError(f"{path}: " + "; ".join(problems))
    return data


def _read_dotenv(path: Path) -> dict[str, str | None]:
    if not path.is_file():
        return {}
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:  # it may hold the Kiwoom keys: refuse a file others can read
        raise ConfigError(f"{path}: readable by group or others (mode {mode:o}); run chmod 600")
    return dotenv_values(path)


def _key_of(name: str) -> tuple[str, ...] | None:
    """``AUTOTRADER_RISK__MAX_ORDER_VALUE`` -> ('risk', 'max_order_value'); None if the
    name is not a configuration value (other AUTOTRADER_ names belong to other tools)."""
    if not name.startswith(ENV_PREFIX) or name == CONFIG_ENV:
        return None
    rest = name[len(ENV_PREFIX) :]
    if "__" in rest:
        return tuple(part.lower() for part in rest.split("__"))
    return (rest.lower(),) if rest in _TOP_LEVEL else None


def _literal(raw: str) -> Any:
    """A TOML literal (number, bool, array, quoted string), else the text itself."""
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def _put(data: dict[str, Any], key: tuple[str, ...], value: Any) -> None:
    node = data
    for part in key[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[key[-1]] = value


def _leaves(data: Mapping[str, Any], prefix: str = "") -> list[str]:
    out: list[str] = []
    for k, v in data.items():
        name = f"{prefix}{k}"
        out.extend(_leaves(v, name + ".") if isinstance(v, dict) else [name])
    return out


def _problems(exc: ValidationError, origins: Mapping[str, str]) -> str:
    from autotrader.rules.typecheck import suggest

    lines = []
    for err in exc.errors(include_input=False):
        loc = [str(p) for p in err["loc"]]
        key = ".".join(loc)
        source = _origin_of(loc, origins)
        if err["type"] == "extra_forbidden":
            known = _known_keys(loc[:-1])
            msg = f"unknown key{suggest(loc[-1], known)}"
        else:
            msg = err["msg"].removeprefix("Value error, ")
        lines.append(f"{source}: {key}: {msg}")
    return "configuration: " + "; ".join(lines)


def _origin_of(loc: list[str], origins: Mapping[str, str]) -> str:
    for n in range(len(loc), 0, -1):
        found = origins.get(".".join(loc[:n]))
        if found:
            return found
    prefix = ".".join(loc) + "."
    return next((v for k, v in origins.items() if k.startswith(prefix)), "configuration")


def _known_keys(section: list[str]) -> list[str]:
    model: Any = AppConfig
    for part in section:
        info = model.model_fields.get(part)
        if info is None or not hasattr(info.annotation, "model_fields"):
            return []
        model = info.annotation
    return list(model.model_fields)
