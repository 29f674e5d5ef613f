"""The keys a strategy file may use at each place, for did-you-mean hints on unknown keys.

pydantic reports an unknown key with its location (``rules.0.do.0.buy.typ``); walking
that location through the schema's models gives the keys allowed there.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from autotrader.rules.schema import StrategySpec


def known_keys(loc: Sequence[Any], root: type[BaseModel] = StrategySpec) -> list[str]:
    """The field names of the model at ``loc`` (the path to the mapping), or []."""
    models: list[type[BaseModel]] = [root]
    for part in loc:
        if isinstance(part, int) or not models:
            continue  # a list index: the same models
        found: list[type[BaseModel]] = []
        for model in models:
            info = model.model_fields.get(str(part))
            if info is not None:
                found.extend(_models_in(info.annotation))
        if not found and any(str(part) in m.model_fields for m in models):
            return []  # a plain value, not a mapping
        models = found or models  # pydantic's union tags are not keys: stay put
    return sorted({name for m in models for name in m.model_fields})


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = typing.get_origin(annotation)
    if origin is None and not isinstance(annotation, types.UnionType):
        return []
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]
