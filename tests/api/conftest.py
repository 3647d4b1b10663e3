"""Fixtures of the API tests: the chat page's browser fixtures (chat_browser.py), used only by the tests that
request them. Marks such as "needs Debian's chromium" stay on the browser test modules."""

from __future__ import annotations

import importlib.util

# chat_browser skips whatever imports it when Playwright is missing; without Playwright the other API tests must
# still run, so it is not loaded then (and the browser test modules, which import it, skip).
if importlib.util.find_spec("playwright") is not None:
    from chat_browser import base_url, browser, open_tab

    __all__ = ["base_url", "browser", "open_tab"]
