"""The browser fixtures of tests/browser/, for the dashboard's pages driven in Chromium."""

from tests.browser.conftest import browser, open_page  # noqa: F401
