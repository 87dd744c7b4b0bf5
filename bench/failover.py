"""The two-node fail-over result for `make bench`: runs the slow test that stops a node of a real two-node cluster
in the middle of a crawl and delivery (tests/test_cluster_failover.py) and prints what it measured.

.venv/bin/python -m bench.failover       (needs NEWSMON_ES_URL for the test fixtures; the cluster is its own)
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from pathlib import Path

TEST = "tests/test_cluster_failover.py"


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="newsmon-failover-") as tmp:
        report = Path(tmp) / "junit.xml"
        run = subprocess.run(
            [sys.executable, "-m", "pytest", TEST, "-q", "-p", "no:cacheprovider", f"--junitxml={report}"],
            capture_output=True,
            text=True,
        )
        print(run.stdout[-3000:], file=sys.stderr)
        case = ElementTree.parse(report).getroot().find(".//testcase") if report.exists() else None
    if case is None:
        print("fail-over: not measured (the test did not run; see the log)")
        sys.exit(1)
    found = {p.get("name"): p.get("value") for p in case.iter("property")}
    verdict = "passed" if run.returncode == 0 else "FAILED"
    print(
        f"fail-over: {verdict} on a two-node cluster, one node stopped mid crawl and delivery: "
        f"{found.get('articles_indexed', '?')} of 16 articles indexed, {found.get('alerts_sent_once', '?')} alerts "
        f"each sent once, all alerted {found.get('seconds_until_all_alerted_after_node_stop', '?')} s after the stop "
        f"(aim: nothing lost, no alert twice, status degraded)"
    )
    sys.exit(run.returncode)


if __name__ == "__main__":
    main()
