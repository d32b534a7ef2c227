"""The log parser that makes the harness strict (skips and logged errors fail the run)."""

import re

import odoo_log

ADDONS = ("agency_billing", "agency_billing_hubspot")
H = "2026-11-25 10:00:00,000 42"


def lines(text):
    return [line.strip() for line in text.strip().splitlines()]


def test_clean_run_counts_tests():
    report = odoo_log.analyse(lines(f"""
        {H} INFO db odoo.addons.agency_billing.tests.test_a: Starting TestA.test_one ...
        {H} INFO db odoo.addons.agency_billing.tests.test_a: Starting TestA.test_two ...
        {H} INFO db odoo.tests.result: 0 failed, 0 error(s) of 2 tests when loading database 'db'
    """), ADDONS)
    assert report.problems() == []
    assert (report.passed_count, report.failed_count) == (2, 0)


def test_skipped_tour_is_a_failure():
    report = odoo_log.analyse(lines(f"""
        {H} INFO db odoo.addons.agency_billing.tests.test_ui: Starting TestUi.test_tour ...
        {H} INFO db odoo.addons.agency_billing.tests.test_ui: skipped TestUi.test_tour : \
Chrome executable not found
        {H} INFO db odoo.tests.result: 0 failed, 0 error(s) of 1 tests when loading database 'db'
    """), ADDONS)
    assert (report.passed_count, report.failed_count) == (0, 1)
    assert any("skipped" in p and "Chrome" in p for p in report.problems())


def test_failure_with_traceback_is_counted_once():
    report = odoo_log.analyse(lines(f"""
        {H} INFO db odoo.addons.agency_billing.tests.test_a: Starting TestA.test_one ...
        {H} ERROR db odoo.addons.agency_billing.tests.test_a: FAIL: TestA.test_one
        Traceback (most recent call last):
          File "x.py", line 1, in test_one
        AssertionError: 180.0 != 150.0
        {H} ERROR db odoo.tests.result: 1 failed, 0 error(s) of 1 tests when loading database 'db'
        {H} ERROR db odoo.modules.loading: At least one test failed when loading the modules.
    """), ADDONS)
    assert len(report.failures) == 1
    assert "180.0 != 150.0" in report.failures[0].text
    assert report.log_errors == []
    assert (report.passed_count, report.failed_count) == (0, 1)


def test_error_logged_outside_tests_fails_the_run():
    report = odoo_log.analyse(lines(f"""
        {H} ERROR db odoo.modules.registry: Failed to load registry
        {H} INFO db odoo.tests.result: 0 failed, 0 error(s) of 3 tests when loading database 'db'
    """), ADDONS)
    assert report.passed_count == 3
    assert any("odoo.modules.registry" in p for p in report.problems())


def test_warning_about_our_models_fails_but_foreign_warnings_do_not():
    report = odoo_log.analyse(lines(f"""
        {H} WARNING db odoo.models: agency.rate.rule.rate: inconsistent 'compute_sudo'
        {H} WARNING db odoo.addons.base.models.res_partner: some core warning
        {H} WARNING db odoo.addons.agency_billing.models.x: our own warning
        {H} INFO db odoo.tests.result: 0 failed, 0 error(s) of 1 tests when loading database 'db'
    """), ADDONS)
    assert len(report.our_warnings) == 2
    assert all("core warning" not in p for p in report.problems())


def test_missing_summary_means_the_server_died():
    report = odoo_log.analyse(lines(f"""
        {H} INFO db odoo.addons.agency_billing.tests.test_a: Starting TestA.test_one ...
        {H} CRITICAL db odoo.service.server: Failed to initialize database `db`.
    """), ADDONS)
    problems = report.problems()
    assert any("never printed its test summary" in p for p in problems)
    assert any("CRITICAL" in p for p in problems)


def test_zero_tests_is_a_failure():
    report = odoo_log.analyse(lines(f"""
        {H} WARNING db odoo.tests.result: 0 failed, 0 error(s) of 0 tests when loading database 'db'
    """), ADDONS)
    assert any("0 tests" in p for p in report.problems())


def test_ignore_patterns():
    report = odoo_log.analyse(lines(f"""
        {H} ERROR db odoo.tests.common: ERROR: gcm registration failed
        {H} INFO db odoo.tests.result: 0 failed, 0 error(s) of 1 tests when loading database 'db'
    """), ADDONS, ignore=[re.compile("gcm")])
    assert report.problems() == []
