"""Vectors of the shipped corpus, encoded once by the maintainers and installed with the package.

A fresh install would otherwise encode every chunk, key point, question and reference before its first question
(minutes on a small CPU). The store is one ``<model-slug>.npz`` (the embedding cache's keys and the vectors exactly
as the encoder returned them) and a ``<model-slug>.json`` manifest (model id, dimension, count, the npz's sha256).
It is used only for the encoder it was made with and only while the checksum holds: anything else is logged once
and ignored, so the texts are encoded as if there were no store. `python -m eval.ship_vectors` regenerates it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from interviewer.embeddings.slug import model_slug

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
SHIPPED_DIR = Path(__file__).resolve().parent / "shipped"
REGENERATE = "python -m eval.ship_vectors"


@dataclass(frozen=True)
class ShippedManifest:
    model_id: str
    dim: int
    count: int
    sha256: str
    format_version: int = FORMAT_VERSION


def store_paths(model_id: str, folder: Path = SHIPPED_DIR) -> tuple[Path, Path]:
    """(vectors, manifest) of ``model_id``'s store in ``folder``."""
    slug = model_slug(model_id)
    return folder / f"{slug}.npz", folder / f"{slug}.json"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_store(model_id: str, dim: int, vectors: Mapping[str, np.ndarray], folder: Path = SHIPPED_DIR) -> Path:
    """Write ``vectors`` (cache key -> vector) as ``model_id``'s store, keys sorted so a rerun is comparable."""
    folder.mkdir(parents=True, exist_ok=True)
    npz, manifest = store_paths(model_id, folder)
    keys = sorted(vectors)
    matrix = np.stack([np.asarray(vectors[k], dtype=np.float32) for k in keys]) if keys else np.zeros((0, dim))
    if matrix.shape[1] != dim:
        raise ValueError(f"vectors have {matrix.shape[1]} dimensions, the model {dim}")
    fd, tmp = tempfile.mkstemp(prefix=".shipped-", suffix=".npz", dir=folder)
    os.close(fd)
    np.savez_compressed(tmp, keys=np.array(keys, dtype="U64"), vectors=matrix.astype(np.float32))
    os.chmod(tmp, 0o644)  # mkstemp makes it private; an installed package file is readable by everyone
    os.replace(tmp, npz)
    meta = ShippedManifest(model_id=model_id, dim=dim, count=len(keys), sha256=_sha256(npz))
    manifest.write_text(json.dumps(asdict(meta), indent=2) + "\n", encoding="utf-8")
    return npz


class ShippedVectors:
    """A read-only source of vectors for one encoder, read from disk on first use."""

    def __init__(self, model_id: str, dim: int, folder: Path = SHIPPED_DIR) -> None:
        self.model_id = model_id
        self.dim = dim
        self.folder = folder
        self._vectors: dict[str, np.ndarray] | None = None
        self._lock = threading.Lock()  # the server encodes from several threads: read (and warn) once

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        store = self._load()
        return {k: store[k] for k in keys if k in store}

    def __len__(self) -> int:
        return len(self._load())

    def __contains__(self, key: object) -> bool:
        return key in self._load()

    def _load(self) -> dict[str, np.ndarray]:
        with self._lock:
            if self._vectors is None:
                self._vectors = self._read()
            return self._vectors

    def _read(self) -> dict[str, np.ndarray]:
        npz, manifest_path = store_paths(self.model_id, self.folder)
        if not manifest_path.exists() and not npz.exists():
            return {}  # no store for this encoder: nothing to say
        try:
            meta = ShippedManifest(**json.loads(manifest_path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError) as e:
            return self._ignore(f"its manifest {manifest_path} is unreadable ({type(e).__name__})")
        if meta.format_version != FORMAT_VERSION:
            return self._ignore(f"it has format {meta.format_version}, this version reads {FORMAT_VERSION}")
        if meta.model_id != self.model_id or meta.dim != self.dim:
            return self._ignore(f"it is for {meta.model_id} ({meta.dim} dims), not {self.model_id} ({self.dim} dims)")
        try:
            if _sha256(npz) != meta.sha256:
                return self._ignore(f"{npz.name} does not match its manifest's checksum")
            with np.load(npz, allow_pickle=False) as data:
                keys, matrix = data["keys"], data["vectors"]
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as e:
            return self._ignore(f"{npz.name} is unreadable ({type(e).__name__})")
        if matrix.shape != (meta.count, self.dim) or len(keys) != meta.count:
            return self._ignore(f"{npz.name} holds {matrix.shape} vectors, its manifest says {meta.count}")
        matrix = np.asarray(matrix, dtype=np.float32)
        return {str(k): matrix[i] for i, k in enumerate(keys)}

    def _ignore(self, why: str) -> dict[str, np.ndarray]:
        log.warning("shipped vectors ignored, the texts are encoded instead: %s (`%s` remakes them)", why, REGENERATE)
        return {}
