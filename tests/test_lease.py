"""The scheduler lease: one leader at a time, a standby takes over when the leader's lease expires."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from opensearchpy import OpenSearch

from newsmon.config import Settings
from newsmon.index.client import make_client
from newsmon.scheduler import lease


def _lease(settings: Settings, holder: str) -> lease.Lease:
    return lease.Lease(make_client(settings), settings, holder, ttl=timedelta(seconds=30))


def test_second_process_stays_standby_while_leader_renews(settings: Settings, es: OpenSearch) -> None:
    lease.ensure(es, settings)
    leader, standby = _lease(settings, "a"), _lease(settings, "b")
    now = datetime.now(UTC)
    assert leader.try_acquire(now)
    assert not standby.try_acquire(now + timedelta(seconds=5))
    assert leader.try_acquire(now + timedelta(seconds=20))  # renewal
    assert not standby.try_acquire(now + timedelta(seconds=40))  # renewed at +20, so valid until +50


def test_standby_takes_over_after_expiry_and_old_leader_loses_it(settings: Settings, es: OpenSearch) -> None:
    lease.ensure(es, settings)
    leader, standby = _lease(settings, "a"), _lease(settings, "b")
    now = datetime.now(UTC)
    assert leader.try_acquire(now)
    assert standby.try_acquire(now + timedelta(seconds=31))
    assert not leader.try_acquire(now + timedelta(seconds=32))


def test_released_lease_is_free_at_once(settings: Settings, es: OpenSearch) -> None:
    lease.ensure(es, settings)
    leader, standby = _lease(settings, "a"), _lease(settings, "b")
    assert leader.try_acquire()
    leader.release()
    assert standby.try_acquire()
