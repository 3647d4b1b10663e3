"""File names derived from model ids."""

from __future__ import annotations

import re


def model_slug(model_id: str) -> str:
    """A file-name-safe form of a model id, for per-model cache and index folders."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", model_id).strip("_")
