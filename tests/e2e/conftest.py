import pytest

from browser import chrome


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Expose each phase's report on the test item (the browser test screenshots failures)."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="module")
def driver(server):
    """One headless Chromium per test module, on the module's own app ``server``."""
    drv = chrome()
    yield drv
    drv.quit()
