"""axe-core (from ``axe-playwright-python``) on a page in the browser tests.

Every rule of axe runs (WCAG 2.0/2.1 A and AA and axe's best practices). A serious or critical
violation always fails; a moderate or minor one fails unless :data:`ACCEPTED` names its rule with
the reason it stays. Each audit's findings are written to ``test-artifacts/axe/<name>.json``."""

from __future__ import annotations

import json
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "axe"
BLOCKING = ("serious", "critical")

# Findings that remain, by axe rule id, with the reason each stays. Only moderate or minor ones can
# be accepted; docs/accessibility.md lists the same.
ACCEPTED: dict[str, str] = {}

_AXE = Axe()


def findings(page, context: str | None = None) -> list[dict]:
    """axe's violations on ``page`` (or inside the element ``context`` selects), one dict per rule:
    id, impact, help and the offending elements' selectors."""
    result = _AXE.run(page, context=context, options={"resultTypes": ["violations"]})
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "targets": [" ".join(map(str, n["target"])) for n in v["nodes"]]}
            for v in result.response["violations"]]


def check(page, name: str, context: str | None = None) -> list[dict]:
    """Audit ``page``, save the findings as ``<name>.json``, and fail on a serious or critical
    violation or on any other one that :data:`ACCEPTED` does not explain. Returns the findings."""
    found = findings(page, context)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.json").write_text(json.dumps(found, indent=2, ensure_ascii=False), encoding="utf-8")
    blocking = [f for f in found if f["impact"] in BLOCKING]
    unexplained = [f for f in found if f["impact"] not in BLOCKING and f["id"] not in ACCEPTED]
    assert not blocking and not unexplained, f"{name}: axe found {json.dumps(blocking + unexplained, indent=1)}"
    return found
