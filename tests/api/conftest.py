"""Fixtures of the API tests: the chat page's browser fixtures (chat_browser.py), used only by the tests that
request them. Marks such as "needs Debian's chromium" stay on the browser test modules.

Test modules here and elsewhere take tests/conftest.py's names with ``from conftest import REPO``. Conftest files
outside packages all load as the one module "conftest", the last loaded winning, so after this file loads that
import finds it: it hands every name it lacks on to tests/conftest.py (loaded again under another name for that;
its fixtures are pytest's already and are not registered twice).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

# chat_browser skips whatever imports it when Playwright is missing; without Playwright the other API tests must
# still run, so it is not loaded then (and the browser test modules, which import it, skip).
if importlib.util.find_spec("playwright") is not None:
    from chat_browser import base_url, browser, open_tab

    __all__ = ["base_url", "browser", "open_tab"]


def _tests_conftest() -> ModuleType:
    spec = importlib.util.spec_from_file_location("tests_conftest", Path(__file__).resolve().parents[1] / "conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_TESTS_CONFTEST = _tests_conftest()


def __getattr__(name: str) -> Any:
    return getattr(_TESTS_CONFTEST, name)
