"""Read an Odoo server log and decide whether a test run of our addons is clean.

Odoo's test runner reports "0 failed, 0 error(s)" even when a test was skipped
(a browser tour without Chromium is skipped, not failed), and an error logged
while a module loads does not always fail a test.  This parser turns the log
into figures and a list of problems so the harness can be strict.

Standard library only: the harness imports it before any virtualenv exists.
"""

import re
from dataclasses import dataclass, field

# 2026-11-25 16:44:08,123 4242 INFO dbname odoo.addons.x.tests.test_y: message
RECORD_RE = re.compile(
    r"^(?P<when>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) (?P<pid>\d+) "
    r"(?P<level>DEBUG|INFO|WARNING|ERROR|CRITICAL|TEST|RUNBOT|\?) "
    r"(?P<db>\S+) (?P<logger>[^:\s]+): (?P<message>.*)$"
)
REPORT_RE = re.compile(
    r"^(?P<failed>\d+) failed, (?P<errors>\d+) error\(s\) of (?P<run>\d+) tests "
    r"when loading database"
)
START_RE = re.compile(r"^Starting (?P<test>\S+) \.\.\.$")
SKIP_RE = re.compile(r"^skipped (?P<test>\S+) : (?P<reason>.*)$")
FAIL_RE = re.compile(r"^(?P<flavour>FAIL|ERROR): (?P<test>\S+)")


@dataclass
class LogRecord:
    """One log record: its header line and any continuation lines (tracebacks)."""

    level: str
    logger: str
    message: str
    extra: list = field(default_factory=list)

    @property
    def text(self):
        return "\n".join([self.message, *self.extra])


@dataclass
class TestReport:
    """What a log says about the tests of the addons we care about."""

    started: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    failures: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    log_errors: list = field(default_factory=list)
    our_warnings: list = field(default_factory=list)
    odoo_summary: dict = None

    @property
    def tests_run(self):
        if self.odoo_summary:
            return self.odoo_summary["run"]
        return len(self.started)

    @property
    def failed_count(self):
        return len(self.failures) + len(self.errors) + len(self.skipped)

    @property
    def passed_count(self):
        return max(self.tests_run - len(self.failures) - len(self.errors) - len(self.skipped), 0)

    def problems(self, expect_tests=True):
        """Human-readable reasons why this run is not clean (empty list: clean)."""
        out = []
        if self.odoo_summary is None:
            out.append(
                "Odoo never printed its test summary ('N failed, N error(s) of N tests "
                "when loading database'): the server stopped before the tests finished."
            )
        elif expect_tests and self.odoo_summary["run"] == 0:
            out.append("Odoo ran 0 tests of our addons: the addons or their tests were not loaded.")
        for kind, recs in (("failed", self.failures), ("error", self.errors)):
            for rec in recs:
                cause = _cause(rec)
                out.append(f"{kind}: {rec.message.strip()}" + (f" [{cause}]" if cause else ""))
        for rec in self.skipped:
            out.append(
                f"skipped (a skipped test of ours counts as a failure): {rec.message}"
            )
        for rec in self.log_errors:
            cause = _cause(rec)
            cause = f" [{cause}]" if cause and cause != rec.message.strip() else ""
            out.append(f"{rec.level} in the log from {rec.logger}: {rec.message.strip()}{cause}")
        for rec in self.our_warnings:
            out.append(f"WARNING from our addons (or a Python warning) in the log "
                       f"({rec.logger}): {rec.message.strip()}")
        return out


EXCEPTION_RE = re.compile(r"^[\w.]*(Error|Exception|Failure|Warning)\b.*")


def _cause(record):
    """The exception line of a record's traceback (else its last line)."""
    lines = [x.strip() for x in record.extra if x.strip()]
    found = [x for x in lines if EXCEPTION_RE.match(x)]
    return (found or lines or [""])[-1][:300]


def iter_records(lines):
    """Group raw log lines into records; lines that do not start a record extend the last one."""
    current = None
    for raw in lines:
        line = raw.rstrip("\n")
        match = RECORD_RE.match(line)
        if match:
            if current is not None:
                yield current
            current = LogRecord(match["level"], match["logger"], match["message"])
        elif current is not None:
            current.extra.append(line)
        elif line.strip():
            # Text before the first record (e.g. "Running as user 'root' ...").
            yield LogRecord("RAW", "", line)
    if current is not None:
        yield current


OUR_MODEL_RE = re.compile(r"\bagency\.[a-z_]+(\.[a-z_]+)*")


def _is_ours(record, addons):
    """A record comes from our addons or speaks about them (module or model names)."""
    loggers = tuple(f"odoo.addons.{name}" for name in addons)
    if record.logger.startswith(loggers):
        return True
    text = record.text
    return any(name in text for name in addons) or bool(OUR_MODEL_RE.search(text))


def analyse(lines, addons, ignore=()):
    """Build a :class:`TestReport` from log lines.

    :param addons: names of the addons whose tests and warnings are ours
    :param ignore: compiled regexes; matching ERROR/WARNING records are not reported
    """
    report = TestReport()
    for rec in iter_records(lines):
        if rec.level == "RAW":
            continue
        if any(rx.search(rec.text) for rx in ignore):
            continue
        if rec.logger == "odoo.tests.result":
            summary = REPORT_RE.match(rec.message)
            if summary:
                report.odoo_summary = {k: int(v) for k, v in summary.groupdict().items()}
                continue
        if START_RE.match(rec.message) and rec.level == "INFO":
            report.started.append(rec)
            continue
        if SKIP_RE.match(rec.message) and rec.level == "INFO":
            report.skipped.append(rec)
            continue
        fail = FAIL_RE.match(rec.message)
        if fail and rec.level == "ERROR":
            (report.failures if fail["flavour"] == "FAIL" else report.errors).append(rec)
            continue
        if rec.level in ("ERROR", "CRITICAL"):
            if rec.logger == "odoo.modules.loading" and rec.message.startswith(
                "At least one test failed"
            ):
                continue  # consequence of a failure already counted
            if rec.message.endswith("at least one error occurred in a test"):
                continue
            report.log_errors.append(rec)
        elif rec.level == "WARNING" and (rec.logger == "py.warnings" or _is_ours(rec, addons)):
            report.our_warnings.append(rec)
    return report
