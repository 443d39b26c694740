"""watchdog events -> a debounced, de-duplicated queue of changed paths.

Events are only a fast path: the daemon's start-up reconcile is the source of truth. A
file being written fires many events; the queue hands out a batch only after the folder
has been quiet for a moment, with every path once. Both ends of a move land in the same
batch, so the indexer pairs them by content hash and the photo keeps its tags.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from daemon.index.scan import ScanOptions, is_photo_name

log = logging.getLogger(__name__)

QUIET_SECONDS = 0.6  # no event for this long: the batch is ready
MAX_WAIT_SECONDS = 5.0  # a folder that never goes quiet is still processed


@dataclass
class ChangeBatch:
    files: set[str] = field(default_factory=set)  # photo files created/changed/moved/deleted
    folders: set[str] = field(default_factory=set)  # folders created/moved/deleted: rescan

    def __bool__(self) -> bool:
        return bool(self.files or self.folders)


class ChangeQueue:
    def __init__(self, quiet_seconds: float = QUIET_SECONDS,
                 max_wait_seconds: float = MAX_WAIT_SECONDS) -> None:
        self.quiet_seconds = quiet_seconds
        self.max_wait_seconds = max_wait_seconds
        self._pending = ChangeBatch()
        self._first_event = 0.0
        self._last_event = 0.0
        self._condition = threading.Condition()

    def add_file(self, path: str) -> None:
        self._add(lambda: self._pending.files.add(path))

    def add_folder(self, path: str) -> None:
        self._add(lambda: self._pending.folders.add(path))

    def _add(self, change) -> None:  # noqa: ANN001
        with self._condition:
            now = time.monotonic()
            if not self._pending:
                self._first_event = now
            change()
            self._last_event = now
            self._condition.notify_all()

    def pending(self) -> int:
        with self._condition:
            return len(self._pending.files) + len(self._pending.folders)

    def take(self, timeout: float) -> ChangeBatch | None:
        """The pending changes once things are quiet, or None after timeout."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while True:
                now = time.monotonic()
                if self._pending:
                    ready_at = min(self._last_event + self.quiet_seconds,
                                   self._first_event + self.max_wait_seconds)
                    if now >= ready_at:
                        batch, self._pending = self._pending, ChangeBatch()
                        return batch
                    wait = min(ready_at, deadline) - now
                else:
                    wait = deadline - now
                if wait <= 0:
                    return None
                self._condition.wait(wait)


class _Handler(FileSystemEventHandler):
    def __init__(self, queue: ChangeQueue, options: ScanOptions) -> None:
        self.queue = queue
        self.options = options

    def _ignored(self, path: str) -> bool:
        parts = Path(path).parts
        for part in parts[:-1]:
            if part in self.options.excludes or (
                    not self.options.include_hidden and part.startswith(".") and part != "."):
                return True
        return False

    def _note(self, path: str, is_directory: bool) -> None:
        if not path or self._ignored(path):
            return
        name = Path(path).name
        if is_directory:
            if name not in self.options.excludes and (
                    self.options.include_hidden or not name.startswith(".")):
                self.queue.add_folder(path)
        elif is_photo_name(name) and (self.options.include_hidden or not name.startswith(".")):
            self.queue.add_file(path)

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        self._note(_text(event.src_path), event.is_directory)
        destination = getattr(event, "dest_path", "")
        if destination:
            self._note(_text(destination), event.is_directory)


def _text(path: str | bytes) -> str:
    return path.decode(errors="surrogateescape") if isinstance(path, bytes) else path


class WatchLimitReached(Exception):
    """The kernel refused more watches (inotify max_user_watches)."""


class FolderWatcher:
    def __init__(self, queue: ChangeQueue, options: ScanOptions) -> None:
        self._handler = _Handler(queue, options)
        self._observer = Observer()
        self._observer.daemon = True
        self._watches: dict[str, object] = {}
        self._lock = threading.Lock()
        self._observer.start()

    def watch(self, root: str) -> None:
        """Start watching root recursively; WatchLimitReached when inotify runs out,
        FileNotFoundError when root is not there."""
        with self._lock:
            if root in self._watches:
                return
            if not Path(root).is_dir():
                raise FileNotFoundError(root)
            limit_message = (f"inotify watch limit reached while watching {root} "
                             "(raise fs.inotify.max_user_watches); falling back to rescans")
            try:
                watch = self._observer.schedule(self._handler, root, recursive=True)
            except OSError as exc:
                if exc.errno in (errno.ENOSPC, errno.EMFILE):
                    self._forget_half_made(root)
                    raise WatchLimitReached(limit_message) from exc
                raise
            missing = self._unwatched_subfolders(watch, root)
            if missing:
                # watchdog skips subfolders it cannot watch without a word; changes there
                # would be lost, so the whole root goes over to periodic rescans.
                with contextlib.suppress(Exception):
                    self._observer.unschedule(watch)
                raise WatchLimitReached(f"{limit_message} ({missing} folders unwatched)")
            self._watches[root] = watch

    def _unwatched_subfolders(self, watch: object, root: str) -> int:
        """Folders below root that have no inotify watch (0 if this cannot be told)."""
        emitter = getattr(self._observer, "_emitter_for_watch", {}).get(watch)
        group = getattr(emitter, "_inotify", None)
        watched = getattr(group, "_active_callbacks_by_path", None)
        if watched is None:
            return 0  # not the inotify backend, or watchdog changed: trust it
        folders = 1 + sum(len([d for d in dirs if not os.path.islink(os.path.join(top, d))])
                          for top, dirs, _ in os.walk(root))
        return max(0, folders - len(watched))

    def _forget_half_made(self, root: str) -> None:
        # watchdog may keep an emitter for a schedule that failed half-way.
        for watch in list(getattr(self._observer, "_watches", ())):
            if getattr(watch, "path", None) == root:
                with contextlib.suppress(Exception):  # best effort clean-up
                    self._observer.unschedule(watch)

    def unwatch(self, root: str) -> None:
        with self._lock:
            watch = self._watches.pop(root, None)
            if watch is not None:
                # the folder may have vanished and taken its watch with it
                with contextlib.suppress(KeyError, OSError):
                    self._observer.unschedule(watch)

    def is_watching(self, root: str) -> bool:
        with self._lock:
            return root in self._watches

    def stop(self) -> None:
        self._observer.stop()
        self._observer.join(timeout=5)
