"""The security gates: no known vulnerability in the locked Python and web dependencies
(unless ignored with a reason until an expiry date, in audit-ignores.toml), no bandit finding
of medium severity or higher in functions/ and events/, and no secret in the tree beyond the
audited baseline (.secrets.baseline).

The two audits ask a vulnerability service; where it cannot be reached they skip and say so
(a pip-audit that cannot reach PyPI's per-release data says "No known vulnerabilities found"
while it audited nothing, so the service is probed first and every package must be audited).
"""

from __future__ import annotations

import datetime
import json
import re
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import BIN, ROOT

IGNORES = ROOT / "audit-ignores.toml"
LOCK = ROOT / "requirements.lock"
BASELINE = ROOT / ".secrets.baseline"
WEB = ROOT / "web"
# Where pip-audit's PyPI service reads a release's known vulnerabilities.
PYPI_RELEASE_JSON = "https://pypi.org/pypi/{name}/{version}/json"
TOOL_TIMEOUT_SECONDS = 120
# Where `npm audit` sends the lock file's packages (the registry web/ uses).
NPM_AUDIT_URL = "https://registry.npmjs.org/-/npm/v1/security/advisories/bulk"


@dataclass(frozen=True)
class Ignore:
    id: str
    package: str
    reason: str
    expires: datetime.date


def load_ignores(text: str, ecosystem: str) -> list[Ignore]:
    """The entries for one ecosystem; each must say why and until when."""
    ignores = []
    for entry in tomllib.loads(text).get(ecosystem, []):
        missing = {"id", "package", "reason", "expires"} - set(entry)
        assert not missing, f"audit-ignores.toml: {entry} lacks {sorted(missing)}"
        assert entry["reason"].strip(), f"audit-ignores.toml: {entry['id']} gives no reason"
        assert isinstance(entry["expires"], datetime.date), f"{entry['id']}: expires is a date"
        ignores.append(Ignore(entry["id"], entry["package"], entry["reason"], entry["expires"]))
    return ignores


Advisories = dict[tuple[str, str], set[str]]  # (package, advisory) -> every name it has


def unresolved(found: Advisories, ignores: list[Ignore], today: datetime.date) -> list[str]:
    """What fails the gate: every expired ignore, and every advisory that no ignore in force
    names (by its id or any alias)."""
    expired = [
        f"{i.package} {i.id}: the ignore expired on {i.expires}"
        for i in ignores
        if i.expires <= today
    ]
    in_force = {(i.package.lower(), i.id) for i in ignores if i.expires > today}
    open_ = [
        f"{package} {advisory}"
        for (package, advisory), names in sorted(found.items())
        if not any((package.lower(), name) in in_force for name in names)
    ]
    return expired + open_


def _ignores(ecosystem: str) -> list[Ignore]:
    return load_ignores(IGNORES.read_text(), ecosystem)


def _locked() -> list[tuple[str, str]]:
    pins = re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)$", LOCK.read_text(), re.MULTILINE)
    assert pins, "requirements.lock pins nothing"
    return pins


# --- the decisions, without a network ---------------------------------------------------


TODAY = datetime.date(2027, 1, 15)


def test_an_ignore_in_force_passes_over_its_advisory_by_any_of_its_names() -> None:
    ignores = load_ignores(
        '[[python]]\nid = "CVE-2026-1"\npackage = "Jinja2"\nreason = "r"\nexpires = 2027-02-01\n',
        "python",
    )
    found = {("jinja2", "GHSA-aaaa-bbbb-cccc"): {"GHSA-aaaa-bbbb-cccc", "CVE-2026-1"}}
    assert unresolved(found, ignores, TODAY) == []


def test_a_vulnerability_nobody_ignored_fails_the_gate() -> None:
    found = {("jinja2", "GHSA-aaaa-bbbb-cccc"): {"GHSA-aaaa-bbbb-cccc"}}
    assert unresolved(found, [], TODAY) == ["jinja2 GHSA-aaaa-bbbb-cccc"]


def test_an_ignore_fails_the_gate_from_its_expiry_date_on_whether_or_not_it_still_matches() -> None:
    ignore = Ignore("GHSA-aaaa-bbbb-cccc", "jinja2", "r", datetime.date(2027, 1, 15))
    found = {("jinja2", "GHSA-aaaa-bbbb-cccc"): {"GHSA-aaaa-bbbb-cccc"}}
    assert unresolved(found, [ignore], TODAY) == [
        "jinja2 GHSA-aaaa-bbbb-cccc: the ignore expired on 2027-01-15",
        "jinja2 GHSA-aaaa-bbbb-cccc",
    ]
    assert unresolved({}, [ignore], TODAY) == [
        "jinja2 GHSA-aaaa-bbbb-cccc: the ignore expired on 2027-01-15"
    ]


def test_an_ignore_without_a_reason_is_refused() -> None:
    text = '[[npm]]\nid = "GHSA-x"\npackage = "vite"\nreason = " "\nexpires = 2027-02-01\n'
    with pytest.raises(AssertionError, match="gives no reason"):
        load_ignores(text, "npm")


def test_the_committed_ignores_are_well_formed_and_none_has_expired() -> None:
    today = datetime.date.today()
    for ecosystem in ("python", "npm"):
        expired = [i for i in _ignores(ecosystem) if i.expires <= today]
        assert expired == [], f"expired ignores in audit-ignores.toml: {expired}"


# --- the gates ------------------------------------------------------------------------------


def _pypi_unreachable() -> str | None:
    """Why PyPI's vulnerability data cannot be read from here, or None when it can."""
    name, version = next(pin for pin in _locked() if pin[0].lower() == "fastapi")
    url = PYPI_RELEASE_JSON.format(name=name, version=version)
    try:
        answer = httpx.get(url, timeout=10, follow_redirects=True)
    except httpx.HTTPError as error:
        return f"{url}: {error!r}"
    if answer.status_code != 200 or "vulnerabilities" not in answer.json():
        return f"{url} answered {answer.status_code}"
    return None


def _npm_audit_unreachable() -> str | None:
    """Why the registry's audit service cannot be asked from here, or None when it can."""
    try:
        answer = httpx.post(NPM_AUDIT_URL, json={}, timeout=10)
    except httpx.HTTPError as error:
        return f"{NPM_AUDIT_URL}: {error!r}"
    if answer.status_code != 200:
        return f"POST {NPM_AUDIT_URL} answered {answer.status_code}"
    return None


# Asked once, when the tests are collected: each gate runs only where its service answers.
PYPI_UNREACHABLE = _pypi_unreachable()
NPM_AUDIT_UNREACHABLE = _npm_audit_unreachable()


@pytest.mark.skipif(
    PYPI_UNREACHABLE is not None,
    reason=f"pip-audit: PyPI's vulnerability data cannot be reached ({PYPI_UNREACHABLE})",
)
def test_no_locked_python_package_has_a_known_vulnerability() -> None:
    ignores = _ignores("python")
    done = subprocess.run(
        [
            str(BIN / "pip-audit"),
            *("--requirement", str(LOCK), "--no-deps", "--disable-pip"),
            *("--format", "json", "--progress-spinner", "off"),
        ],
        capture_output=True,
        text=True,
        timeout=TOOL_TIMEOUT_SECONDS,
    )
    assert done.stdout.strip(), done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    skipped = [d["skip_reason"] for d in report["dependencies"] if "skip_reason" in d]
    assert skipped == [], "pip-audit could not audit every package:\n" + "\n".join(skipped)
    found = {
        (d["name"], v["id"]): {v["id"], *v.get("aliases", [])}
        for d in report["dependencies"]
        for v in d.get("vulns", [])
    }
    problems = unresolved(found, ignores, datetime.date.today())
    assert problems == [], "known vulnerabilities in requirements.lock:\n" + "\n".join(problems)


def _npm_advisories(report: dict[str, Any]) -> Advisories:
    """Each advisory npm audit names, by its GHSA id (from its URL) and its number."""
    found: Advisories = {}
    for name, entry in report["vulnerabilities"].items():
        for via in entry["via"]:
            if isinstance(via, dict):  # a string names another vulnerable package it pulls in
                ghsa = via.get("url", "").rsplit("/", 1)[-1]
                found[(name, ghsa or str(via["source"]))] = {ghsa, str(via["source"])}
    return found


@pytest.mark.skipif(
    NPM_AUDIT_UNREACHABLE is not None,
    reason=f"npm audit: the registry's audit service cannot be reached ({NPM_AUDIT_UNREACHABLE})",
)
def test_no_web_package_has_a_known_vulnerability() -> None:
    ignores = _ignores("npm")
    done = subprocess.run(
        ["npm", "audit", "--json"],
        cwd=WEB,
        capture_output=True,
        text=True,
        timeout=TOOL_TIMEOUT_SECONDS,
    )
    report: dict[str, Any] = json.loads(done.stdout)
    assert "vulnerabilities" in report, (
        f"npm audit failed: {done.stdout[:2000]}{done.stderr[:2000]}"
    )
    problems = unresolved(_npm_advisories(report), ignores, datetime.date.today())
    assert problems == [], "known vulnerabilities in web/package-lock.json:\n" + "\n".join(problems)


def _tracked(*folders: str, suffix: str = "") -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--", *folders],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [path for path in listed.split("\0") if path.endswith(suffix) and path]


def _waived_by_ruff(result: dict[str, Any]) -> bool:
    """Whether the finding's lines carry ruff's `# noqa: S<n>` for the same check: ruff's S
    rules are bandit's checks by the same numbers, and `make check` already holds each such
    waiver to its stated reason."""
    rule = re.compile(rf"#\s*noqa:[^#]*\bS{result['test_id'][1:]}\b")
    lines = (ROOT / result["filename"]).read_text().splitlines()
    return any(rule.search(lines[n - 1]) for n in result["line_range"] if n <= len(lines))


def test_a_finding_is_waived_only_by_ruff_s_noqa_for_the_same_check(tmp_path: Path) -> None:
    source = tmp_path / "queries.py"
    source.write_text('Q = f"""\nSELECT {T}\n"""  # noqa: S608 (constants only)\nH = "0.0.0.0"\n')
    finding = {"filename": str(source), "test_id": "B608", "line_range": [1, 2, 3]}
    assert _waived_by_ruff(finding)
    assert not _waived_by_ruff({**finding, "test_id": "B104", "line_range": [4]})
    assert not _waived_by_ruff({**finding, "test_id": "B108"})


def test_bandit_finds_nothing_of_medium_severity_or_higher_in_functions_and_events() -> None:
    # The committed files, as they are in the work tree. A finding that is no risk says why on
    # its line, with bandit's nosec or ruff's noqa for the same check (B608 is ruff's S608).
    done = subprocess.run(
        [
            str(BIN / "bandit"),
            *("--severity-level", "medium", "--format", "json", "--quiet"),
            *_tracked("functions", "events", suffix=".py"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TOOL_TIMEOUT_SECONDS,
    )
    report: dict[str, Any] = json.loads(done.stdout)
    assert report["errors"] == [], report["errors"]
    findings = [
        f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_severity']}: "
        f"{r['issue_text']}"
        for r in report["results"]
        if not _waived_by_ruff(r)
    ]
    assert findings == [], "bandit:\n" + "\n".join(findings)


def test_the_tree_holds_no_secret_beyond_the_audited_baseline() -> None:
    baseline: dict[str, Any] = json.loads(BASELINE.read_text())
    known = {
        (path, secret["type"], secret["hashed_secret"])
        for path, secrets in baseline["results"].items()
        for secret in secrets
    }
    unaudited = [
        f"{path}:{s['line_number']} {s['type']}"
        for path, secrets in baseline["results"].items()
        for s in secrets
        if s.get("is_secret") is not False
    ]
    assert unaudited == [], "audit these (detect-secrets audit .secrets.baseline):\n" + "\n".join(
        unaudited
    )
    # Every file git tracks, as it is in the work tree, less the baseline's own hashes and the
    # saved bench results (each names the commit it measured: a hex string by design).
    done = subprocess.run(
        [
            str(BIN / "detect-secrets"),
            "scan",
            "--exclude-files",
            r"^(\.secrets\.baseline|bench/results/.*\.json)$",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TOOL_TIMEOUT_SECONDS,
        check=True,
    )
    found = json.loads(done.stdout)["results"]
    new = [
        f"{path}:{s['line_number']} {s['type']}"
        for path, secrets in found.items()
        for s in secrets
        if (path, s["type"], s["hashed_secret"]) not in known
    ]
    assert new == [], (
        "possible secrets (remove them, or, when one is not a secret, add it to the baseline "
        "with `detect-secrets scan --baseline .secrets.baseline` and mark it with "
        "`detect-secrets audit .secrets.baseline`):\n" + "\n".join(new)
    )
