"""What a hot reload does with the working orders of rules the new version removed.

    on_reload:
      removed_rule_orders: keep     # the default: they keep working until filled or the close
      removed_rule_orders: cancel   # each is cancelled at the reload (journaled like any cancel)

Orders of rules that stay (changed or not) always keep working, and positions are never
touched by a reload: the order ledger owns them across versions (``engine/reload.py``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

RemovedRuleOrders = Literal["keep", "cancel"]


class OnReload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    removed_rule_orders: RemovedRuleOrders = Field(
        default="keep", description="working orders of a removed rule: keep or cancel"
    )
