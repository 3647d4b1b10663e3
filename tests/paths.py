"""Where the tests find the repository, their own data and the shared data sets (``from paths import REPO``).

Kept out of conftest.py: conftest files outside packages all load as the one module "conftest", so a second
conftest (tests/api/conftest.py) would shadow names imported from the first.
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SHARED = REPO.parent / "shared"
