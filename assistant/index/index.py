"""`Index` opens the three together and checks the fingerprint (embedding model and version,
parser version) so a query never mixes vectors from two models.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Iterable, Iterator
from functools import cached_property
from pathlib import Path

from assistant import PARSER_VERSION
from assistant.errors import (
    IndexBusyError,
    IndexMissingError,
    IndexStateError,
    VectorsMissingError,
)
from assistant.index.embedder import Embedder
from assistant.index.keyword import FORMAT as KEYWORD_FORMAT
from assistant.index.keyword import KeywordIndex
from assistant.index.store import Store
from assistant.index.vectors import VectorStore, make_client
from assistant.settings import Settings

log = logging.getLogger(__name__)

SCHEMA_VERSION = 3  # 2: decision context indexed with each paragraph; 3: remedies table


class Index:
    def __init__(self, settings: Settings, *, create: bool = False) -> None:
        self.settings = settings
        self.dir = Path(settings.index_dir)
        store_path = self.dir / "store.sqlite"
        if not create and not store_path.exists():
            raise IndexMissingError(str(self.dir))
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise IndexStateError(
                f"Cannot create the index folder {self.dir}: {exc.strerror}. Choose a folder "
                "you can write to (--index DIR or LGSCO_INDEX_DIR)."
            ) from None
        # A folder this process cannot write (a read-only mount, another user's index) is
        # read as it is: readers need nothing written.
        self.read_only = not os.access(self.dir, os.W_OK)
        try:
            self.store = Store(store_path, read_only=self.read_only)
            self.store.get_meta("fingerprint")
        except Exception as exc:  # sqlite3.DatabaseError and friends
            if self.read_only or isinstance(exc, PermissionError):
                raise IndexStateError(
                    f"The index store {store_path} cannot be opened read-only ({exc}). "
                    "Check that this user may read every file in the folder."
                ) from exc
            raise IndexStateError(
                f"The index store {store_path} is damaged ({exc}). Move the folder aside and "
                "rebuild it with 'assistant ingest'."
            ) from exc
        self._create = create
        self._keyword_lock = threading.Lock()
        self._keyword: KeywordIndex | None = None
        self._keyword_stamp: tuple[int, int] | None = None

    @cached_property
    def embedder(self) -> Embedder:
        return Embedder(self.settings.embedding)

    @cached_property
    def vectors(self) -> VectorStore:
        """Chroma. For a reader, vectors that are missing or cannot be read are an error, not
        an empty collection: answers would silently come from keywords only."""
        where = self.settings.chroma_url or str(self.dir / "chroma")
        embedded = not self.settings.chroma_url
        if not self._create and embedded and not (self.dir / "chroma").is_dir():
            raise VectorsMissingError(str(self.dir), where, "the folder is missing")
        folder = self.dir
        if embedded and self.read_only:
            folder = _private_copy(self.dir / "chroma")
        try:
            vectors = VectorStore(
                make_client(folder, self.settings.chroma_url), self.settings.collection
            )
            count = vectors.count()
        except IndexStateError:
            raise
        except Exception as exc:  # chromadb's errors, sqlite3's, OSError: all one story
            raise VectorsMissingError(str(self.dir), where, f"{type(exc).__name__}: {exc}") from exc
        if not self._create:
            stored = self.store.count_paragraphs()
            if count == 0 and stored > 0:
                raise VectorsMissingError(str(self.dir), where, "it holds no vectors")
            if count != stored:
                # Only a writer may mend it (the next ingest compares ids); a reader says so.
                log.warning(
                    "the index at %s holds %d vectors for %d paragraphs: an ingest is running "
                    "or was interrupted, or vectors were changed outside the assistant; the next "
                    "'assistant ingest' (of any file: unchanged ones cost nothing) mends it",
                    self.dir,
                    count,
                    stored,
                )
        return vectors

    @property
    def keyword_dir(self) -> Path:
        return self.dir / "bm25"

    @property
    def keyword(self) -> KeywordIndex:
        """The keyword index as the last ingest saved it, loaded again when an ingest
        replaced it. Readers never write it: with none saved yet (an index from an older
        version), one is built in memory for this process until 'assistant ingest' runs."""
        with self._keyword_lock:
            stamp = KeywordIndex.manifest_stamp(self.keyword_dir)
            if self._keyword is None or stamp != self._keyword_stamp:
                loaded = KeywordIndex.load(self.keyword_dir)
                if loaded is None:
                    log.warning("%s", self._keyword_missing())
                    loaded = KeywordIndex.in_memory(self.store)
                self._keyword, self._keyword_stamp = loaded, stamp
            return self._keyword

    def _keyword_missing(self) -> str:
        """Why no saved keyword index is read, and what mends it."""
        found = KeywordIndex.saved_format(self.keyword_dir)
        if found is not None and found != KEYWORD_FORMAT:
            return (
                f"the keyword index at {self.keyword_dir} is format {found}, written by an "
                f"earlier version; this one reads format {KEYWORD_FORMAT}. Building one in "
                "memory: run 'assistant ingest' (of any file) to rewrite it, which embeds "
                "nothing again"
            )
        return (
            f"no keyword index saved at {self.keyword_dir}; building one in memory (run "
            "'assistant ingest' to save it)"
        )

    def shared_texts(self, hashes: Iterable[str], min_decisions: int) -> set[str]:
        """Those of `hashes` whose paragraph text is found in several decisions (not counting
        joint ones): boilerplate. Looked up per question, at a cost that does not grow with
        the corpus."""
        return self.store.shared_hashes(hashes, min_decisions)

    def expected_fingerprint(self) -> dict[str, object]:
        return {
            "embedding": self.embedder.fingerprint,
            "parser": PARSER_VERSION,
            "schema": SCHEMA_VERSION,
        }

    def stored_fingerprint(self) -> dict[str, object] | None:
        raw = self.store.get_meta("fingerprint")
        return json.loads(raw) if raw else None

    def check_fingerprint(self) -> None:
        """For readers: refuse an index built with another model or parser."""
        stored = self.stored_fingerprint()
        expected = self.expected_fingerprint()
        if stored is None:
            raise IndexMissingError(str(self.dir))
        if stored != expected:
            raise IndexStateError(
                f"The index at {self.dir} was built with {stored}, but this configuration "
                f"uses {expected}. Re-run 'assistant ingest' to rebuild it."
            )

    @contextlib.contextmanager
    def writer_lock(self) -> Iterator[None]:
        """One ingest at a time per index folder; readers never take it."""
        lock_path = self.dir / ".ingest.lock"
        if self.read_only:
            raise IndexStateError(
                f"The index folder {self.dir} is read-only for this user, so nothing can be "
                "added to it. Questions, search and show still work; to add decisions, run "
                "ingest as a user who may write there, or copy the folder."
            )
        with open(lock_path, "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise IndexBusyError(str(self.dir)) from exc
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _private_copy(chroma: Path) -> Path:
    """Chroma cannot open a folder it may not write (it writes at open: chroma-core/chroma
    #1438). A reader of a read-only index gets a private copy, removed at exit; the copy's
    parent is what `make_client` is given."""
    parent = Path(tempfile.mkdtemp(prefix="lgsco-readonly-vectors-"))
    atexit.register(shutil.rmtree, parent, ignore_errors=True)
    log.info("the index is read-only: its vectors are read from a copy in %s", parent)
    shutil.copytree(chroma, parent / "chroma")
    for path in [parent / "chroma", *(parent / "chroma").rglob("*")]:
        path.chmod(0o700 if path.is_dir() else 0o600)
    return parent
