"""axe-core (from ``axe-playwright-python``) on a page in the browser tests.

Every rule of axe runs (WCAG 2.0/2.1 A and AA and axe's best practices). A serious or critical
violation always fails; a moderate or minor one fails unless :data:`ACCEPTED` names its rule with
the reason it stays; a result axe cannot decide by itself ("needs review") fails unless
:data:`REVIEWED` says how it was checked. Each audit's findings are written to
``test-artifacts/axe/<name>.json``; docs/accessibility.md lists the same reasons."""

from __future__ import annotations

import json
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "axe"
BLOCKING = ("serious", "critical")

# Violations that remain, by axe rule id, with the reason each stays (moderate or minor only).
ACCEPTED: dict[str, str] = {}

# Results axe leaves to a person, by rule id, with how they were checked.
REVIEWED: dict[str, str] = {
    "color-contrast": "axe cannot see the background behind Gradio's tab labels (their underline is a pseudo-element) "
                      "nor behind the charts' SVG text; test_colours_axe_cannot_judge_meet_contrast measures them",
}

_AXE = Axe()


def findings(page, context: str | None = None) -> dict[str, list[dict]]:
    """axe's violations and undecided results on ``page`` (or inside the element ``context`` selects), one
    dict per rule: id, impact, help and the elements' selectors."""
    result = _AXE.run(page, context=context, options={"resultTypes": ["violations", "incomplete"]}).response
    return {kind: [{"id": v["id"], "impact": v["impact"], "help": v["help"],
                    "targets": [" ".join(map(str, n["target"])) for n in v["nodes"]]} for v in result[key]]
            for kind, key in (("violations", "violations"), ("needs_review", "incomplete"))}


def check(page, name: str, context: str | None = None) -> dict[str, list[dict]]:
    """Audit ``page``, save the findings as ``<name>.json``, and fail on a serious or critical violation,
    on another one that :data:`ACCEPTED` does not explain, or on an undecided result that :data:`REVIEWED`
    does not. Returns the findings."""
    found = findings(page, context)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.json").write_text(json.dumps(found, indent=2, ensure_ascii=False), encoding="utf-8")
    failing = [f for f in found["violations"] if f["impact"] in BLOCKING or f["id"] not in ACCEPTED]
    failing += [f for f in found["needs_review"] if f["id"] not in REVIEWED]
    assert not failing, f"{name}: axe found {json.dumps(failing, indent=1, ensure_ascii=False)}"
    return found
