"""Run one coroutine on Scrapy's asyncio reactor: the service and `crawl --once` both start here, so crawls run in
this process (no process per tick) and every job is an `async def` on the same event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar, cast

from scrapy.utils.reactor import install_reactor

T = TypeVar("T")

REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"


def run(main: Callable[[], Awaitable[T]]) -> T:
    """Install the asyncio reactor, run `main()` to completion on it, stop the reactor, return main's result."""
    install_reactor(REACTOR)
    from twisted.internet import defer
    from twisted.internet import reactor as installed
    from twisted.internet.asyncioreactor import AsyncioSelectorReactor
    from twisted.python.failure import Failure

    reactor = cast(AsyncioSelectorReactor, installed)  # the module stands for the installed reactor

    outcome: dict[str, object] = {}

    def start() -> None:
        deferred = defer.Deferred.fromFuture(asyncio.ensure_future(main()))

        def done(result: object) -> None:
            outcome["result"] = result
            reactor.stop()

        deferred.addBoth(done)

    reactor.callWhenRunning(start)
    reactor.run(installSignalHandlers=False)  # the service installs its own SIGTERM/SIGINT handling
    result = outcome.get("result")
    if isinstance(result, Failure):
        result.raiseException()
    return cast(T, result)
