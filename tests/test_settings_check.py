"""Settings files: every unknown key listed with did-you-mean; numbers finite and in
int64; unreadable, non-UTF-8 or over-deep files are ConfigErrors, never tracebacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from autotrader.broker.kiwoom import KiwoomSettings
from autotrader.config import load_config
from autotrader.errors import ConfigError


def write(tmp_path: Path, text: str | bytes, name: str = "autotrader.toml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def test_every_unknown_toml_key_is_listed_with_its_line_and_a_suggestion(tmp_path: Path) -> None:
    """Three misspellings, three messages, each with where and what was meant."""
    path = write(
        tmp_path,
        'journal = "x.db"\n[risk]\nmax_ordr_value = 5\n[fees]\ncomission_ppm = 3\n[kiwom]\n',
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    text = str(info.value)
    assert "line 3: unknown key 'risk.max_ordr_value' (did you mean 'max_order_value'?)" in text
    assert "line 5: unknown key 'fees.comission_ppm' (did you mean 'commission_ppm'?)" in text
    assert "line 6: unknown key 'kiwom' (did you mean 'kiwoom'?)" in text


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[risk]\nduplicate_window = inf\n", "risk.duplicate_window: inf is not a finite"),
        ("[risk]\nmax_price_deviation = nan\n", "not a finite number"),
        ("[risk]\nmax_order_value = 99999999999999999999999\n", "out of range"),
        ("x = " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
        (b"journal = '\xff\xfe'\n", "not UTF-8"),
        ("journal = \n", "Invalid value"),
    ],
)
def test_hostile_configuration_is_a_config_error(
    tmp_path: Path, text: str | bytes, words: str
) -> None:
    """Each is one ConfigError naming the problem."""
    with pytest.raises(ConfigError, match=words):
        load_config(write(tmp_path, text))


def test_unknown_env_file_keys_are_listed_with_suggestions(tmp_path: Path) -> None:
    """KIWOOM_APPKY in .env is an error that says KIWOOM_APPKEY, not a missing key."""
    env = write(
        tmp_path, "KIWOOM_APPKY=SECRET-1234\nKIWOOM_SECRETKEY=y\nKIWOM_DOMAIN=mock\n", ".env"
    )
    with pytest.raises(ConfigError) as info:
        KiwoomSettings.load(env={}, env_file=env)
    text = str(info.value)
    assert "unknown key 'KIWOOM_APPKY' (did you mean 'KIWOOM_APPKEY'?)" in text
    assert "unknown key 'KIWOM_DOMAIN' (did you mean 'KIWOOM_DOMAIN'?)" in text
    assert "SECRET-1234" not in text  # values are never echoed


def test_env_file_that_is_not_utf8_is_a_config_error(tmp_path: Path) -> None:
    """A binary .env is refused clearly."""
    env = write(tmp_path, b"KIWOOM_APPKEY=\xff\n", ".env")
    with pytest.raises(ConfigError, match="not UTF-8"):
        KiwoomSettings.load(env={}, env_file=env)
