"""The start-up step for the articles index: template, this month's index, read alias, and mapping migrations.

``ensure`` is idempotent: it only writes what is missing, so running it twice changes nothing.

Migration: bump ``index.mappings.MAPPING_VERSION`` after changing the mapping. The next ``ensure`` installs the new
versioned template, reindexes every older-version article index that is still behind the read alias into its
new-version twin (same month suffix), then, in one atomic alias update, takes the old indices out of the alias and
drops the old template. The old indices are kept (out of the alias) for inspection; delete them by hand when done.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

from opensearchpy import OpenSearch
from opensearchpy.exceptions import NotFoundError, RequestError

from newsmon.config import Settings
from newsmon.index import mappings
from newsmon.index.client import index_name

log = logging.getLogger(__name__)


def ensure(client: OpenSearch, settings: Settings) -> None:
    """Create (or migrate to) the current articles template, this month's index and the read alias."""
    name = mappings.template_name(settings)
    if not client.indices.exists_index_template(name=name):
        client.indices.put_index_template(name=name, body=mappings.index_template(settings))
        log.info("created index template %s", name)
    current = mappings.monthly_index(settings, datetime.now(UTC))
    if not client.indices.exists(index=current):
        try:
            client.indices.create(index=current)
            log.info("created index %s", current)
        except RequestError as error:  # another process created it between the check and the create
            if error.error != "resource_already_exists_exception":
                raise
    _migrate_old_versions(client, settings)


def _migrate_old_versions(client: OpenSearch, settings: Settings) -> None:
    alias = mappings.read_alias(settings)
    pattern = re.compile(rf"^{re.escape(index_name(settings, 'articles-v'))}(\d+)-(.+)$")
    try:
        behind_alias = client.indices.get_alias(name=alias)
    except NotFoundError:
        return
    old = []
    for index in behind_alias:
        match = pattern.match(index)
        if match and int(match.group(1)) < mappings.MAPPING_VERSION:
            old.append((index, match.group(2), int(match.group(1))))
    if not old:
        return
    for index, suffix, version in old:
        target = f"{mappings.template_name(settings)}-{suffix}"
        log.warning("migrating %s (mapping v%d) to %s", index, version, target)
        result = client.reindex(
            body={"source": {"index": index}, "dest": {"index": target, "op_type": "create"}, "conflicts": "proceed"},
            wait_for_completion=True,
            refresh=True,
        )
        if result.get("failures"):
            raise RuntimeError(f"migrating {index} to {target} failed: {result['failures'][:3]}")
    client.indices.update_aliases(body={"actions": [{"remove": {"index": i, "alias": alias}} for i, _, _ in old]})
    for version in {v for _, _, v in old}:
        client.indices.delete_index_template(name=mappings.template_name(settings, version), ignore=404)
