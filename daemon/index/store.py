"""The SQLite index: schema, migrations and every SQL statement of the app.

One Store object is one connection. The writer (indexer) owns one; readers open their own
(read-only when the daemon is down). Tags are kept per model, so switching the model
re-tags, and a second tagger can add its own scores beside the first.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from daemon.index.health import Problem, check_header, check_pages, diagnose

CLASS_DTYPE = np.dtype("<u2")
PROB_DTYPE = np.dtype("<f2")

MIGRATIONS: tuple[str, ...] = (
    # 1: photos, their tags per model, files that could not be read
    """
    CREATE TABLE photos (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        content_hash TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        indexed_at REAL NOT NULL
    );
    CREATE INDEX photos_by_hash ON photos(content_hash);
    CREATE TABLE tags (
        photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        model TEXT NOT NULL,
        classes BLOB NOT NULL,
        probs BLOB NOT NULL,
        PRIMARY KEY (photo_id, model)
    ) WITHOUT ROWID;
    CREATE TABLE failures (
        path TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        reason TEXT NOT NULL,
        failed_at REAL NOT NULL
    );
    """,
    # 2: the detector's box of each class it found (x1, y1, x2, y2 as fractions of the photo)
    """
    ALTER TABLE tags ADD COLUMN boxes BLOB;
    """,
    # 3: the matrix file (daemon/index/matrix.py): a random id of this index, the token of the
    # last matrix file written for it (so that another or an older file is never used),
    # and the photos whose tags or path changed since that file, so that a file older
    # than the index is brought up to date instead of rebuilt. Triggers fill the log, so
    # no write path can forget it. seq grows without AUTOINCREMENT (which costs a bulk
    # import a third more) because pruning keeps the newest row: a new row's rowid is one
    # more than the largest in the table.
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
    INSERT INTO meta VALUES ('index_id', lower(hex(randomblob(16))));
    INSERT INTO meta VALUES ('matrix_file', '');
    CREATE TABLE matrix_changes (
        seq INTEGER PRIMARY KEY,
        photo_id INTEGER NOT NULL
    );
    CREATE TRIGGER tags_inserted AFTER INSERT ON tags BEGIN
        INSERT INTO matrix_changes (photo_id) VALUES (NEW.photo_id);
    END;
    CREATE TRIGGER tags_updated AFTER UPDATE ON tags BEGIN
        INSERT INTO matrix_changes (photo_id) VALUES (NEW.photo_id);
    END;
    CREATE TRIGGER tags_deleted AFTER DELETE ON tags BEGIN
        INSERT INTO matrix_changes (photo_id) VALUES (OLD.photo_id);
    END;
    CREATE TRIGGER photos_moved AFTER UPDATE OF path ON photos BEGIN
        INSERT INTO matrix_changes (photo_id) VALUES (NEW.id);
    END;
    CREATE TRIGGER photos_deleted AFTER DELETE ON photos BEGIN
        INSERT INTO matrix_changes (photo_id) VALUES (OLD.id);
    END;
    """,
    # 4: when and where a photo was taken, and with what camera (daemon/signals/metadata.py):
    # filters beside the matrix, not concepts. `taken` is the local wall-clock time as
    # seconds since 1970 (counted as if UTC), so that «вечером» means the photo's evening
    # wherever it was taken; `guessed` when it is the file's mtime, not EXIF.
    """
    CREATE TABLE facts (
        photo_id INTEGER PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        taken INTEGER,
        taken_offset INTEGER,
        guessed INTEGER NOT NULL,
        latitude REAL,
        longitude REAL,
        city INTEGER NOT NULL,
        region TEXT NOT NULL,
        country TEXT NOT NULL,
        camera TEXT NOT NULL
    );
    """,
    # 5: the classifier's embedding of the photo, for «похожие» (daemon/index/vectors.py):
    # int8, on the classifier's own principal directions (daemon/signals/classifier.py)
    """
    ALTER TABLE tags ADD COLUMN vector BLOB;
    """,
    # 6: the text read in a photo by the later pass (daemon/signals/text.py): its lines,
    # and which reader read them. Its kinds (скриншот, чек…) are tags rows of the text
    # signal's model, whose presence says the photo was read (or passed by the gate).
    """
    CREATE TABLE texts (
        photo_id INTEGER PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
        reader TEXT NOT NULL,
        text TEXT NOT NULL
    );
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


class StoreError(Exception):
    """The index file cannot be opened or is newer than this program."""


class IndexDamaged(StoreError):
    """The index file is not a sound SQLite database (it can be moved aside and rebuilt)."""


class IndexNotWritable(StoreError):
    """The index cannot be written: the disk is full or the folder is read-only."""

    def __init__(self, message: str, problem: Problem) -> None:
        super().__init__(message)
        self.problem = problem


@dataclass(frozen=True)
class FileIdentity:
    path: str
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class PhotoRecord:
    id: int
    path: str
    size: int
    mtime_ns: int
    content_hash: str
    width: int
    height: int


@dataclass(frozen=True)
class SparseTags:
    """A photo's class distribution, kept sparse: the top classes and their probabilities."""

    classes: np.ndarray  # uint16
    probs: np.ndarray  # float32
    # (len(classes), 4) float32: where in the photo each class was found (detector only)
    boxes: np.ndarray | None = None
    # int8: the photo's embedding, for similar photos (the classifier only)
    vector: np.ndarray | None = None

    def to_blobs(self) -> tuple[bytes, bytes, bytes | None, bytes | None]:
        boxes = None if self.boxes is None else self.boxes.astype(PROB_DTYPE).tobytes()
        vector = None if self.vector is None else self.vector.astype(np.int8).tobytes()
        return (self.classes.astype(CLASS_DTYPE).tobytes(),
                self.probs.astype(PROB_DTYPE).tobytes(), boxes, vector)

    @classmethod
    def from_blobs(cls, classes: bytes, probs: bytes, boxes: bytes | None = None,
                   vector: bytes | None = None) -> SparseTags:
        return cls(np.frombuffer(classes, CLASS_DTYPE).astype(np.uint16),
                   np.frombuffer(probs, PROB_DTYPE).astype(np.float32),
                   None if boxes is None else
                   np.frombuffer(boxes, PROB_DTYPE).astype(np.float32).reshape(-1, 4),
                   None if vector is None else np.frombuffer(vector, np.int8).copy())


@dataclass(frozen=True)
class PhotoFacts:
    """When and where a photo was taken, and with what (the metadata signal)."""

    version: int  # of the reader that made them: older ones are read again
    taken: datetime | None  # local wall-clock time, naive
    offset_minutes: int | None  # of `taken` from UTC, where the camera wrote it
    guessed: bool  # `taken` is the file's modification time: the photo has no EXIF date
    latitude: float | None = None
    longitude: float | None = None
    city_id: int = 0  # GeoNames id of the nearest town (daemon/places), 0: none near
    region_key: str = ""  # 'RU.38'
    country_code: str = ""  # 'RU'
    camera: str = ""


@dataclass(frozen=True)
class Failure:
    path: str
    reason: str


class Store:
    def __init__(self, path: Path, readonly: bool = False, immutable: bool = False) -> None:
        """readonly: never write; immutable (with readonly): the file cannot change while
        open, e.g. on a read-only file system, where SQLite cannot make a WAL index."""
        self.path = path
        self.readonly = readonly
        damage = check_header(path)
        if damage is not None:
            raise IndexDamaged(f"index {path} is damaged: {damage}")
        try:
            if readonly:
                if not path.exists():
                    raise StoreError(f"no index at {path}; index a folder first")
                uri = f"{path.resolve().as_uri()}?mode=ro" + ("&immutable=1" if immutable
                                                              else "")
                self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(path, check_same_thread=False)
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.execute("PRAGMA busy_timeout=5000")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise open_error(path, exc) from exc

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # --- schema -----------------------------------------------------------------
    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"index {self.path} has schema {version}, newer than this program "
                f"({SCHEMA_VERSION}); upgrade smart-gallery")
        if version == SCHEMA_VERSION:
            return
        if self.readonly:
            raise StoreError(f"index {self.path} needs an upgrade; run the daemon or `index`")
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            with self._db:
                self._db.executescript(f"BEGIN;\n{script}\nPRAGMA user_version={number};\nCOMMIT;")

    def check(self) -> str | None:
        """None when every page of the file is sound, else what SQLite found wrong."""
        return check_pages(self._db)

    @property
    def schema_version(self) -> int:
        return self._db.execute("PRAGMA user_version").fetchone()[0]

    @contextmanager
    def read_transaction(self) -> Iterator[None]:
        """Reads inside see one state of the index, whatever other connections write."""
        self._db.execute("BEGIN")
        try:
            yield
        finally:
            self._db.execute("COMMIT")

    def index_id(self) -> str:
        return self._db.execute("SELECT value FROM meta WHERE key = 'index_id'").fetchone()[0]

    # --- the change log of the matrix file -------------------------------------------------
    def last_change_seq(self) -> int:
        """The newest change's number (numbers only grow, also after pruning)."""
        return self._db.execute("SELECT coalesce(max(seq), 0) FROM matrix_changes").fetchone()[0]

    def matrix_file_token(self) -> str:
        """The token of the matrix file whose changes the log holds ('' for none)."""
        return self._db.execute("SELECT value FROM meta WHERE key = 'matrix_file'").fetchone()[0]

    def changed_photos_since(self, seq: int) -> list[int]:
        rows = self._db.execute(
            "SELECT DISTINCT photo_id FROM matrix_changes WHERE seq > ? ORDER BY photo_id",
            (seq,))
        return [row[0] for row in rows]

    def tags_of_changed_since(self, seq: int,
                              models: Iterable[str]) -> Iterator[tuple[int, str, str, SparseTags]]:
        """(photo id, path, model, tags) of the photos changed after seq that still exist."""
        models = list(models)
        marks = ",".join("?" * len(models))
        rows = self._db.execute(
            "SELECT p.id, p.path, t.model, t.classes, t.probs FROM photos p JOIN tags t"
            " ON t.photo_id = p.id WHERE p.id IN (SELECT photo_id FROM matrix_changes"
            f" WHERE seq > ?) AND t.model IN ({marks}) ORDER BY p.id", (seq, *models))
        for photo_id, path, model, classes, probs in rows:
            yield photo_id, path, model, SparseTags.from_blobs(classes, probs)

    def matrix_file_written(self, token: str, seq: int) -> None:
        """A matrix file with this token now covers every change up to seq: forget them."""
        with self._db:
            self._db.execute("UPDATE meta SET value = ? WHERE key = 'matrix_file'", (token,))
            # The newest row stays, so that seq keeps growing (see migration 3).
            self._db.execute("DELETE FROM matrix_changes WHERE seq <= ? AND seq <"
                             " (SELECT max(seq) FROM matrix_changes)", (seq,))

    # --- photos -----------------------------------------------------------------
    def photo_by_path(self, path: str) -> PhotoRecord | None:
        row = self._db.execute(f"SELECT {_PHOTO_COLUMNS} FROM photos WHERE path = ?",
                               (path,)).fetchone()
        return PhotoRecord(*row) if row else None

    def paths_of(self, photo_ids: Sequence[int]) -> dict[int, str]:
        """Photo id -> path, for the ids that are in the index."""
        found: dict[int, str] = {}
        for start in range(0, len(photo_ids), 500):  # SQLite's limit on parameters
            chunk = list(photo_ids[start:start + 500])
            marks = ",".join("?" * len(chunk))
            found.update(self._db.execute(
                f"SELECT id, path FROM photos WHERE id IN ({marks})", chunk).fetchall())
        return found

    def photos_by_hash(self, content_hash: str) -> list[PhotoRecord]:
        rows = self._db.execute(f"SELECT {_PHOTO_COLUMNS} FROM photos WHERE content_hash = ?",
                                (content_hash,)).fetchall()
        return [PhotoRecord(*row) for row in rows]

    def photos_under(self, folder: str) -> dict[str, FileIdentity]:
        """Every indexed photo below folder, keyed by path, with what stat() tells."""
        prefix = folder.rstrip("/") + "/"
        rows = self._db.execute(
            "SELECT path, size, mtime_ns FROM photos WHERE path >= ? AND path < ?",
            (prefix, prefix[:-1] + "0"),  # '0' sorts right after '/'
        )
        return {path: FileIdentity(path, size, mtime) for path, size, mtime in rows}

    def add_photo(self, identity: FileIdentity, content_hash: str, width: int, height: int,
                  model: str, tags: SparseTags) -> int:
        return self.put_photo(identity, content_hash, width, height, {model: tags})

    def put_photo(self, identity: FileIdentity, content_hash: str, width: int, height: int,
                  tags_by_model: dict[str, SparseTags], facts: PhotoFacts | None = None,
                  retired: tuple[str, ...] = ()) -> int:
        """Insert or update a photo with the tags of one or more models (and its facts);
        its rows of the retired models (replaced by these) go."""
        with self._db:
            self._db.execute("DELETE FROM failures WHERE path = ?", (identity.path,))
            previous = self._db.execute("SELECT content_hash FROM photos WHERE path = ?",
                                        (identity.path,)).fetchone()
            cursor = self._db.execute(
                "INSERT INTO photos (path, size, mtime_ns, content_hash, width, height, indexed_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(path) DO UPDATE SET size=excluded.size, mtime_ns=excluded.mtime_ns,"
                " content_hash=excluded.content_hash, width=excluded.width,"
                " height=excluded.height, indexed_at=excluded.indexed_at"
                " RETURNING id",
                (identity.path, identity.size, identity.mtime_ns, content_hash, width, height,
                 time.time()),
            )
            photo_id = cursor.fetchone()[0]
            if previous is None or previous[0] != content_hash:
                # New content: every model's tags of the old content are wrong now.
                self._db.execute("DELETE FROM tags WHERE photo_id = ?", (photo_id,))
                self._db.execute("DELETE FROM texts WHERE photo_id = ?", (photo_id,))
            for model, tags in tags_by_model.items():
                self._db.execute("INSERT OR REPLACE INTO tags (photo_id, model, classes, probs,"
                                 " boxes, vector) VALUES (?,?,?,?,?,?)",
                                 (photo_id, model, *tags.to_blobs()))
            self._db.executemany("DELETE FROM tags WHERE photo_id = ? AND model = ?",
                                 [(photo_id, model) for model in retired])
            if facts is not None:
                self._db.execute(_PUT_FACTS + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                 (photo_id, *_facts_row(facts)))
        return photo_id

    def add_new_photos(self, photos: Iterable[tuple[FileIdentity, str, int, int, SparseTags]],
                       model: str) -> None:
        """Insert photos the index has never seen, in one transaction (bulk imports)."""
        with self._db:
            for identity, content_hash, width, height, tags in photos:
                photo_id = self._db.execute(
                    "INSERT INTO photos (path, size, mtime_ns, content_hash, width, height,"
                    " indexed_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    (identity.path, identity.size, identity.mtime_ns, content_hash, width,
                     height, time.time())).fetchone()[0]
                self._db.execute("INSERT INTO tags (photo_id, model, classes, probs, boxes,"
                                 " vector) VALUES (?, ?, ?, ?, ?, ?)",
                                 (photo_id, model, *tags.to_blobs()))

    def add_tags(self, model: str, tags_by_path: Iterable[tuple[str, SparseTags]]) -> None:
        """Add one model's tags to photos already in the index, in one transaction."""
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO tags (photo_id, model, classes, probs, boxes, vector)"
                " SELECT id, ?, ?, ?, ?, ? FROM photos WHERE path = ?",
                ((model, *tags.to_blobs(), path) for path, tags in tags_by_path))

    def move_photo(self, old_path: str, new: FileIdentity) -> None:
        """A renamed or moved file keeps its id and tags."""
        with self._db:
            self._db.execute("DELETE FROM photos WHERE path = ?", (new.path,))
            self._db.execute("UPDATE photos SET path=?, size=?, mtime_ns=? WHERE path=?",
                             (new.path, new.size, new.mtime_ns, old_path))
            self._db.execute("DELETE FROM failures WHERE path = ?", (new.path,))

    def touch_photo(self, identity: FileIdentity) -> None:
        """Same content, new mtime (copied back, touched): remember the new stat only."""
        with self._db:
            self._db.execute("UPDATE photos SET size=?, mtime_ns=? WHERE path=?",
                             (identity.size, identity.mtime_ns, identity.path))

    def remove_photos(self, paths: Iterable[str]) -> int:
        with self._db:
            cursor = self._db.executemany("DELETE FROM photos WHERE path = ?",
                                          ((p,) for p in paths))
            return cursor.rowcount

    def hashes_tagged_by(self, model: str, with_vector: bool = False) -> Iterator[str]:
        """The content hashes this model has tagged (with_vector: and kept the embedding
        of), streamed (a million of them as Python strings would stay in memory)."""
        rows = self._db.execute(
            "SELECT p.content_hash FROM photos p JOIN tags t ON t.photo_id = p.id"
            " WHERE t.model = ?" + (" AND t.vector IS NOT NULL" if with_vector else ""),
            (model,))
        return (row[0] for row in rows)

    def count_photos(self) -> int:
        return self._db.execute("SELECT count(*) FROM photos").fetchone()[0]

    def count_tagged(self, model: str) -> int:
        return self._db.execute("SELECT count(*) FROM tags WHERE model = ?", (model,)).fetchone()[0]

    def models(self) -> list[str]:
        return [row[0] for row in self._db.execute("SELECT DISTINCT model FROM tags")]

    def untagged_under(self, folder: str, model: str) -> list[str]:
        """Photos below folder that this model has not tagged yet (indexed by another)."""
        prefix = folder.rstrip("/") + "/"
        rows = self._db.execute(
            "SELECT path FROM photos WHERE path >= ? AND path < ? AND id NOT IN"
            " (SELECT photo_id FROM tags WHERE model = ?)", (prefix, prefix[:-1] + "0", model))
        return [row[0] for row in rows]

    def tags_of(self, path: str, model: str) -> SparseTags | None:
        row = self._db.execute(
            "SELECT t.classes, t.probs, t.boxes, t.vector FROM tags t JOIN photos p"
            " ON p.id = t.photo_id WHERE p.path = ? AND t.model = ?", (path, model)).fetchone()
        return SparseTags.from_blobs(*row) if row else None

    def photo_files(self) -> list[tuple[int, str, int, str]]:
        """(id, path, size, content hash) of every photo."""
        return self._db.execute("SELECT id, path, size, content_hash FROM photos").fetchall()

    def vector_rows(self, model: str) -> list[tuple[int, bytes]]:
        """(photo id, int8 vector) of every photo the model gave one."""
        return self._db.execute("SELECT photo_id, vector FROM tags WHERE model = ? AND vector"
                                " IS NOT NULL", (model,)).fetchall()

    def without_vectors_under(self, folder: str, model: str) -> list[str]:
        """Photos below folder that this model tagged before it kept embeddings."""
        prefix = folder.rstrip("/") + "/"
        rows = self._db.execute(
            "SELECT p.path FROM photos p JOIN tags t ON t.photo_id = p.id WHERE p.path >= ?"
            " AND p.path < ? AND t.model = ? AND t.vector IS NULL",
            (prefix, prefix[:-1] + "0", model))
        return [row[0] for row in rows]

    def tag_blobs(self, model: str) -> Iterator[tuple[int, bytes, bytes]]:
        """(photo id, classes, probs) of every photo the model tagged, by id: the raw blobs,
        for building the matrix without an object per photo."""
        return self._db.execute("SELECT photo_id, classes, probs FROM tags WHERE model = ?"
                                " ORDER BY photo_id", (model,))

    def paths_of_tagged(self, models: Iterable[str]) -> Iterator[tuple[int, str]]:
        """(id, path) of every photo that any of these models tagged, by id."""
        models = list(models)
        marks = ",".join("?" * len(models))
        return self._db.execute(
            "SELECT id, path FROM photos WHERE id IN (SELECT photo_id FROM tags WHERE model IN"
            f" ({marks})) ORDER BY id", models)

    def iter_tags(self, model: str) -> Iterator[tuple[int, str, SparseTags]]:
        rows = self._db.execute(
            "SELECT p.id, p.path, t.classes, t.probs, t.boxes FROM photos p JOIN tags t"
            " ON t.photo_id = p.id WHERE t.model = ? ORDER BY p.id", (model,))
        for photo_id, path, classes, probs, boxes in rows:
            yield photo_id, path, SparseTags.from_blobs(classes, probs, boxes)

    def iter_tags_with_hashes(self, model: str) -> Iterator[tuple[int, str, SparseTags]]:
        """(photo id, content hash, tags with their vector) of every photo the model tagged,
        by id (the faces and their descriptors, for grouping them into people)."""
        rows = self._db.execute(
            "SELECT p.id, p.content_hash, t.classes, t.probs, t.boxes, t.vector FROM photos p"
            " JOIN tags t ON t.photo_id = p.id WHERE t.model = ? ORDER BY p.id", (model,))
        for photo_id, content_hash, classes, probs, boxes, vector in rows:
            yield photo_id, content_hash, SparseTags.from_blobs(classes, probs, boxes, vector)

    def faces_tags_of(self, photo_id: int, model: str) -> tuple[str, SparseTags] | None:
        """(content hash, tags with their vector) of one photo for the model, or None."""
        row = self._db.execute(
            "SELECT p.content_hash, t.classes, t.probs, t.boxes, t.vector FROM photos p"
            " JOIN tags t ON t.photo_id = p.id WHERE p.id = ? AND t.model = ?",
            (photo_id, model)).fetchone()
        return (row[0], SparseTags.from_blobs(*row[1:])) if row else None

    def forget_model_family(self, prefix: str) -> int:
        """Delete the rows of every model whose id starts with prefix (a signal the user
        turned off, with whatever versions it had); how many photos had them."""
        pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        with self._db:
            return self._db.execute("DELETE FROM tags WHERE model LIKE ? ESCAPE '\\'",
                                    (pattern,)).rowcount

    # --- text in photos (the later pass) ---------------------------------------------------
    def unread_by(self, model: str, limit: int, after: int = 0) -> list[tuple[int, str, str]]:
        """(id, path, content hash) of photos the later signal `model` has not read yet,
        by id from after + 1, at most limit."""
        return self._db.execute(
            "SELECT id, path, content_hash FROM photos WHERE id > ? AND id NOT IN"
            " (SELECT photo_id FROM tags WHERE model = ?) ORDER BY id LIMIT ?",
            (after, model, limit)).fetchall()

    def count_unread_by(self, model: str) -> int:
        return self._db.execute("SELECT count(*) FROM photos WHERE id NOT IN (SELECT photo_id"
                                " FROM tags WHERE model = ?)", (model,)).fetchone()[0]

    def put_text(self, photo_id: int, content_hash: str, model: str, tags: SparseTags,
                 reader: str, text: str | None) -> bool:
        """The text signal's kinds and the text read (None: the gate passed the photo by),
        if the photo still has that content; False when it changed or left meanwhile."""
        with self._db:
            row = self._db.execute("SELECT content_hash FROM photos WHERE id = ?",
                                   (photo_id,)).fetchone()
            if row is None or row[0] != content_hash:
                return False
            self._db.execute("INSERT OR REPLACE INTO tags (photo_id, model, classes, probs,"
                             " boxes, vector) VALUES (?,?,?,?,?,?)",
                             (photo_id, model, *tags.to_blobs()))
            if text is None:
                self._db.execute("DELETE FROM texts WHERE photo_id = ?", (photo_id,))
            else:
                self._db.execute("INSERT OR REPLACE INTO texts (photo_id, reader, text)"
                                 " VALUES (?, ?, ?)", (photo_id, reader, text))
        return True

    def read_of_same_content(self, content_hash: str, model: str
                             ) -> tuple[SparseTags, str, str | None] | None:
        """What the later signal read in another photo of this content (a copy): (kinds,
        reader, text or None), or None."""
        row = self._db.execute(
            "SELECT t.classes, t.probs, x.reader, x.text FROM photos p JOIN tags t ON"
            " t.photo_id = p.id LEFT JOIN texts x ON x.photo_id = p.id WHERE"
            " p.content_hash = ? AND t.model = ? LIMIT 1", (content_hash, model)).fetchone()
        if row is None:
            return None
        return SparseTags.from_blobs(row[0], row[1]), row[2] or "", row[3]

    def forget_texts(self, model: str) -> int:
        """Delete the text read in photos and the text signal's rows (the user turned it
        off); how many photos had text."""
        with self._db:
            count = self._db.execute("DELETE FROM texts").rowcount
            self._db.execute("DELETE FROM tags WHERE model = ?", (model,))
        return count

    def text_of(self, path: str) -> str | None:
        row = self._db.execute("SELECT x.text FROM texts x JOIN photos p ON p.id = x.photo_id"
                               " WHERE p.path = ?", (path,)).fetchone()
        return row[0] if row else None

    def text_rows(self) -> list[tuple[int, str]]:
        """(photo id, text) of every photo with text read in it."""
        return self._db.execute("SELECT photo_id, text FROM texts WHERE text != ''"
                                " ORDER BY photo_id").fetchall()

    def iter_texts_by_path(self) -> Iterator[tuple[str, str]]:
        rows = self._db.execute("SELECT p.path, x.text FROM texts x JOIN photos p"
                                " ON p.id = x.photo_id WHERE x.text != ''")
        yield from rows

    # --- when and where -----------------------------------------------------------------
    def put_facts(self, facts_by_path: Iterable[tuple[str, PhotoFacts]]) -> None:
        """The facts of photos in the index, in one transaction."""
        with self._db:
            self._db.executemany(
                _PUT_FACTS + " SELECT id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM photos WHERE path = ?",
                ((*_facts_row(facts), path) for path, facts in facts_by_path))

    def facts_of(self, path: str) -> PhotoFacts | None:
        row = self._db.execute(
            f"SELECT {_FACTS_COLUMNS} FROM facts f JOIN photos p ON p.id = f.photo_id"
            " WHERE p.path = ?", (path,)).fetchone()
        return _facts_of_row(row) if row else None

    def iter_facts(self) -> Iterator[tuple[int, PhotoFacts]]:
        """(photo id, facts) of every photo that has them."""
        rows = self._db.execute(f"SELECT photo_id, {_FACTS_COLUMNS} FROM facts f")
        for photo_id, *row in rows:
            yield photo_id, _facts_of_row(row)

    def facts_rows(self) -> list[tuple[int, int | None, int, int, str, str]]:
        """(photo id, taken, guessed, city, region, country) of every photo with facts: what
        a search filters by, as plain tuples (no object per photo: a library's worth loads
        at start)."""
        return self._db.execute(
            "SELECT photo_id, taken, guessed, city, region, country FROM facts").fetchall()

    def iter_facts_by_path(self) -> Iterator[tuple[str, PhotoFacts]]:
        """(path, facts) of every photo that has them."""
        rows = self._db.execute(f"SELECT p.path, {_FACTS_COLUMNS} FROM facts f JOIN photos p"
                                " ON p.id = f.photo_id")
        for path, *row in rows:
            yield path, _facts_of_row(row)

    def without_facts_under(self, folder: str, version: int) -> list[str]:
        """Photos below folder with no facts, or facts an older reader made."""
        prefix = folder.rstrip("/") + "/"
        rows = self._db.execute(
            "SELECT path FROM photos WHERE path >= ? AND path < ? AND id NOT IN"
            " (SELECT photo_id FROM facts WHERE version = ?)",
            (prefix, prefix[:-1] + "0", version))
        return [row[0] for row in rows]

    # --- files that could not be read ---------------------------------------------------
    def record_failure(self, identity: FileIdentity, reason: str) -> None:
        with self._db:
            self._db.execute("DELETE FROM photos WHERE path = ?", (identity.path,))
            self._db.execute(
                "INSERT OR REPLACE INTO failures (path, size, mtime_ns, reason, failed_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (identity.path, identity.size, identity.mtime_ns, reason, time.time()))

    def failures_under(self, folder: str) -> dict[str, FileIdentity]:
        prefix = folder.rstrip("/") + "/"
        rows = self._db.execute(
            "SELECT path, size, mtime_ns FROM failures WHERE path >= ? AND path < ?",
            (prefix, prefix[:-1] + "0"))
        return {path: FileIdentity(path, size, mtime) for path, size, mtime in rows}

    def forget_failures(self, paths: Iterable[str]) -> None:
        with self._db:
            self._db.executemany("DELETE FROM failures WHERE path = ?", ((p,) for p in paths))

    def failures(self) -> list[Failure]:
        rows = self._db.execute("SELECT path, reason FROM failures ORDER BY path")
        return [Failure(path, reason) for path, reason in rows]


def open_error(path: Path, exc: sqlite3.Error) -> StoreError:
    """The StoreError subclass that says what kind of trouble opening the index met."""
    diagnosis = diagnose(exc, path)
    if diagnosis is not None and diagnosis.problem is Problem.DAMAGED:
        return IndexDamaged(f"index {path} is damaged: {exc}")
    if diagnosis is not None:
        return IndexNotWritable(f"cannot write the index {path}: {exc}", diagnosis.problem)
    return StoreError(f"cannot open index {path}: {exc}")


_PHOTO_COLUMNS = "id, path, size, mtime_ns, content_hash, width, height"
_FACTS_COLUMNS = ("f.version, f.taken, f.taken_offset, f.guessed, f.latitude, f.longitude,"
                  " f.city, f.region, f.country, f.camera")
_PUT_FACTS = ("INSERT OR REPLACE INTO facts (photo_id, version, taken, taken_offset, guessed,"
              " latitude, longitude, city, region, country, camera)")
_EPOCH = datetime(1970, 1, 1)


def local_seconds(when: datetime) -> int:
    """A naive local time as seconds since 1970 counted as if UTC (how `taken` is kept)."""
    return int((when - _EPOCH).total_seconds())


def _facts_row(facts: PhotoFacts) -> tuple[object, ...]:
    taken = None if facts.taken is None else local_seconds(facts.taken)
    return (facts.version, taken, facts.offset_minutes, int(facts.guessed), facts.latitude,
            facts.longitude, facts.city_id, facts.region_key, facts.country_code, facts.camera)


def _facts_of_row(row: Sequence[object]) -> PhotoFacts:
    version, taken, offset, guessed, lat, lon, city, region, country, camera = row
    return PhotoFacts(version, None if taken is None else _EPOCH + timedelta(seconds=taken),
                      offset, bool(guessed), lat, lon, city, region, country, camera)
