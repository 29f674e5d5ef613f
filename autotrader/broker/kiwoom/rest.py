"""``KiwoomRest``: one POST per call, headers, throttle, retries, and continuation.

Retry policy, the one place it is decided:

* **Queries** (everything but kt1000x) are idempotent. A transport failure, a 5xx or a
  rate limit (1700-1702 / HTTP 429) is retried after a jittered back-off, up to
  ``max_query_retries`` times; a refused token (8005) is renewed and the query retried
  once.
* **Orders** carry no client id, so a resent order may become a second order. Once the
  request may have reached Kiwoom (any transport failure or timeout, a 5xx, an answer
  without a readable ``return_code``) we raise ``OutcomeUnknownError`` and never resend:
  reconciliation resolves it. Only an answer that *proves* the order was not accepted
  allows sending it again: a rate limit (1700-1702 / 429: Kiwoom's gateway refuses
  over-limit requests per api-id before looking at them) or a refused token (8005: refused
  before the order is read, and renewed first). Such an order is re-sent after a jittered
  back-off, as long as the order's time budget (``order_budget`` seconds since its first
  attempt) allows; then it is reported refused with the last code.
* **Pacing**: a token bucket per api-id keeps each TR under its budget
  (``KiwoomSettings.rate_for``): ``Throttle`` for queries, and for orders the
  ``OrderPacer``, which grants cancels and exits before entries and refuses an entry
  that would wait past ``entry_wait``. A 1700 empties the bucket; on an order it also
  holds every order request for the back-off, after which exits go first.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from autotrader.broker.kiwoom.auth import TokenManager
from autotrader.broker.kiwoom.codes import error_from_answer, is_order, path_for, scrub
from autotrader.broker.kiwoom.pacer import OrderPacer, Priority
from autotrader.broker.kiwoom.settings import KiwoomSettings
from autotrader.broker.kiwoom.throttle import Sleep, Throttle, backoff
from autotrader.errors import (
    BrokerError,
    CredentialsRejectedError,
    OutcomeUnknownError,
    RateLimitedError,
    TokenInvalidError,
)

log = logging.getLogger(__name__)

_MAX_PAGES = 200


@dataclass(frozen=True, slots=True)
class Page:
    """One answer: its decoded body and the continuation headers."""

    body: dict[str, Any]
    more: bool
    next_key: str


class KiwoomRest:
    """POSTs to Kiwoom's REST API; see the module docstring for the retry policy."""

    def __init__(
        self,
        settings: KiwoomSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        tokens: TokenManager | None = None,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.settings = settings
        self._client = httpx.AsyncClient(transport=transport)
        self.tokens = tokens or TokenManager(settings, self._client, clock=clock)
        self._sleep = sleep
        self._rng = rng
        self._monotonic = monotonic
        self.on_fatal: Callable[[BrokerError], None] | None = None
        self.rate_limited = 0  # 1700/429 answers met, for health checks and the drill
        self._queries = Throttle(
            lambda api_id: settings.rate_for(api_id, order=False),
            settings.query_burst,
            clock=monotonic,
            sleep=sleep,
        )
        # Orders: one pacer owns their budget, cancels and exits first (pacer.py).
        self.pacer = OrderPacer(
            lambda api_id: settings.rate_for(api_id, order=True),
            settings.order_burst,
            entry_wait=settings.entry_wait,
            clock=monotonic,
            sleep=sleep,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def call(
        self,
        api_id: str,
        body: Mapping[str, Any],
        *,
        priority: Priority = Priority.ENTRY,
        on_wait: Callable[[float], None] | None = None,
    ) -> dict[str, Any]:
        """One request; returns the decoded body or raises a ``BrokerError``. An order
        waits for the pacer in its ``priority`` class; ``on_wait`` gets the seconds."""
        return (await self.call_page(api_id, body, priority=priority, on_wait=on_wait)).body

    async def call_all(
        self, api_id: str, body: Mapping[str, Any], list_key: str
    ) -> list[dict[str, Any]]:
        """Every row of ``list_key`` across pages, following ``cont-yn: Y`` / ``next-key``."""
        rows: list[dict[str, Any]] = []
        for page in await self.call_pages(api_id, body):
            items = page.body.get(list_key)
            if isinstance(items, list):
                rows.extend(item for item in items if isinstance(item, dict))
        return rows

    async def call_pages(self, api_id: str, body: Mapping[str, Any]) -> list[Page]:
        """Every page of a query (the first carries any totals), bounded and loop-safe."""
        pages: list[Page] = []
        next_key = ""
        seen: set[str] = set()
        for _ in range(_MAX_PAGES):
            page = await self.call_page(api_id, body, next_key=next_key)
            pages.append(page)
            if not page.more or not page.next_key:
                return pages
            if page.next_key in seen:
                log.warning("%s: continuation key repeated; stopping", api_id)
                return pages
            seen.add(page.next_key)
            next_key = page.next_key
        log.warning("%s: more than %d pages; stopping", api_id, _MAX_PAGES)
        return pages

    async def call_page(
        self,
        api_id: str,
        body: Mapping[str, Any],
        *,
        next_key: str = "",
        priority: Priority = Priority.ENTRY,
        on_wait: Callable[[float], None] | None = None,
    ) -> Page:
        """One page; ``next_key`` continues a previous answer."""
        content = orjson.dumps(body)
        try:
            if is_order(api_id):
                return await self._order(api_id, content, priority, on_wait)
            return await self._query(api_id, content, next_key)
        except CredentialsRejectedError as exc:
            # Keys refused or a production/mock mismatch: whoever called, the run stops.
            if self.on_fatal is not None:
                self.on_fatal(exc)
            raise

    async def _query(self, api_id: str, content: bytes, next_key: str) -> Page:
        delays = backoff(self.settings.backoff_base, self.settings.backoff_cap, rng=self._rng)
        renewed = False
        last: BrokerError | None = None
        for _ in range(self.settings.max_query_retries + 1):
            await self._queries.acquire(api_id)
            token = await self.tokens.token()
            try:
                status, headers, answer = await self._send(
                    api_id, content, token, next_key, self.settings.read_timeout
                )
            except (httpx.HTTPError, TimeoutError) as exc:
                last = BrokerError(None, f"transport failure ({type(exc).__name__})", api_id=api_id)
                log.warning("%s: %s; retrying", api_id, last.message)
                await self._sleep(next(delays))
                continue
            error = self._error(status, answer, api_id)
            if error is None and answer is None:
                error = BrokerError(
                    None, f"answer is not a JSON object (HTTP {status})", api_id=api_id
                )
            if error is None:
                return _page(answer, headers)
            last = error
            if isinstance(error, TokenInvalidError) and not renewed:
                renewed = True
                self.tokens.invalidate(token)
                log.info("%s: token refused (%s); renewing once", api_id, error.return_code)
                continue
            if isinstance(error, RateLimitedError):
                self.rate_limited += 1
                self._queries.bucket(api_id).drain()
            elif type(error) is not BrokerError:
                raise error  # a definite answer (bad request, keys...): retrying cannot help
            delay = next(delays)
            log.warning("%s: %s; retrying in %.2fs", api_id, error, delay)
            await self._sleep(delay)
        assert last is not None
        raise last

    async def _order(
        self,
        api_id: str,
        content: bytes,
        priority: Priority,
        on_wait: Callable[[float], None] | None,
    ) -> Page:
        started = self._monotonic()
        delays = backoff(self.settings.backoff_base, self.settings.backoff_cap, rng=self._rng)
        renewed = False
        attempt = 0
        while True:
            attempt += 1
            waited = await self.pacer.acquire(api_id, priority)  # an entry may be refused
            if on_wait is not None and waited > 0:
                on_wait(waited)
            token = await self.tokens.token()
            try:
                status, headers, answer = await self._send(
                    api_id, content, token, "", self.settings.order_timeout
                )
            except (httpx.HTTPError, TimeoutError) as exc:
                raise OutcomeUnknownError(
                    None, f"order request failed in transit ({type(exc).__name__})", api_id=api_id
                ) from None
            if answer is None:
                raise OutcomeUnknownError(
                    None, f"order answer unreadable (HTTP {status})", api_id=api_id
                )
            error = self._error(status, answer, api_id)
            if error is None:
                return _page(answer, headers)
            if isinstance(error, TokenInvalidError):
                self.tokens.invalidate(token)
                if renewed:
                    raise error
                renewed = True  # refused before it was read: renew and send it again
                log.info("%s: token refused (%s); renewing, resending once", api_id, error)
                continue
            if not isinstance(error, RateLimitedError):
                raise error
            # Refused at the gateway, so not accepted: safe to send again, within budget.
            self.rate_limited += 1
            delay = next(delays)
            spent = self._monotonic() - started
            if spent + delay > self.settings.order_budget:
                error.message = (
                    f"{error.message} (not sent: rate limited {attempt} times in "
                    f"{spent:.1f}s, order budget {self.settings.order_budget:g}s)"
                )
                raise error
            log.warning(
                "%s: rate limited (attempt %d); not accepted, resending in %.2fs",
                api_id, attempt, delay,
            )  # fmt: skip
            self.pacer.penalize(api_id, delay)  # every order holds; then exits go first

    def _error(self, status: int, answer: dict[str, Any] | None, api_id: str) -> BrokerError | None:
        error = error_from_answer(status, answer, api_id)
        if error is not None:
            error.message = scrub(error.message, self.tokens.secrets())
        return error

    async def _send(
        self, api_id: str, content: bytes, token: str, next_key: str, read_timeout: float
    ) -> tuple[int, httpx.Headers, dict[str, Any] | None]:
        headers = {
            "api-id": api_id,
            "authorization": f"Bearer {token}",
            "content-type": "application/json;charset=UTF-8",
            "cont-yn": "Y" if next_key else "N",
            "next-key": next_key,
        }
        timeout = httpx.Timeout(read_timeout, connect=self.settings.connect_timeout)
        # httpx times each phase; the outer bound caps a server that drips bytes.
        async with asyncio.timeout(read_timeout + self.settings.connect_timeout):
            response = await self._client.post(
                self.settings.base_url + path_for(api_id),
                content=content,
                headers=headers,
                timeout=timeout,
            )
        log.debug("%s: HTTP %d", api_id, response.status_code)
        try:
            decoded = orjson.loads(response.content) if response.content else None
        except orjson.JSONDecodeError:
            decoded = None
        return (
            response.status_code,
            response.headers,
            decoded if isinstance(decoded, dict) else None,
        )


def _page(answer: dict[str, Any] | None, headers: httpx.Headers) -> Page:
    more = headers.get("cont-yn", "N").strip().upper() == "Y"
    return Page(answer or {}, more, headers.get("next-key", "").strip())
