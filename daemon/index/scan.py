"""Reconcile a folder tree against the index: what is new, changed, gone or unchanged.

Only stat() is used here; reading and hashing happen in the indexer, and only for files
whose size or mtime differ from what the index remembers.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from daemon.config import DEFAULT_EXCLUDES, PHOTO_EXTENSIONS
from daemon.index.store import FileIdentity, Store


@dataclass(frozen=True)
class ScanOptions:
    excludes: tuple[str, ...] = DEFAULT_EXCLUDES
    include_hidden: bool = False


@dataclass
class ScanPlan:
    root: str
    to_check: list[FileIdentity] = field(default_factory=list)  # new or changed on disk
    gone: list[str] = field(default_factory=list)  # indexed, no longer on disk
    unchanged: int = 0
    known_broken: list[str] = field(default_factory=list)  # failed before, unchanged since
    unreadable_dirs: list[str] = field(default_factory=list)


def is_photo_name(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in PHOTO_EXTENSIONS


def _skip_dir(name: str, options: ScanOptions) -> bool:
    return name in options.excludes or (not options.include_hidden and name.startswith("."))


def walk_photos(root: Path, options: ScanOptions,
                errors: list[str] | None = None) -> Iterator[FileIdentity]:
    """Every photo file below root, with its stat; symlinked folders are not followed."""
    stack = [str(root)]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            if not _skip_dir(entry.name, options):
                                stack.append(entry.path)
                        elif (entry.is_file() and is_photo_name(entry.name)
                              and (options.include_hidden or not entry.name.startswith("."))):
                            stat = entry.stat()
                            yield FileIdentity(entry.path, stat.st_size, stat.st_mtime_ns)
                    except OSError:
                        continue  # vanished between listing and stat
        except OSError:
            if errors is not None:
                errors.append(folder)


def plan_scan(root: Path, store: Store, options: ScanOptions) -> ScanPlan:
    root_text = str(root)
    plan = ScanPlan(root_text)
    indexed = store.photos_under(root_text)
    failed = store.failures_under(root_text)
    on_disk: set[str] = set()
    for identity in walk_photos(root, options, plan.unreadable_dirs):
        on_disk.add(identity.path)
        known = indexed.get(identity.path)
        if known is not None and known == identity:
            plan.unchanged += 1
        elif failed.get(identity.path) == identity:
            plan.known_broken.append(identity.path)
        else:
            plan.to_check.append(identity)
    # Files under a folder we could not list are not gone, only out of sight.
    hidden = tuple(d.rstrip("/") + "/" for d in plan.unreadable_dirs)
    plan.gone = [p for p in indexed if p not in on_disk and not p.startswith(hidden)]
    stale_failures = [p for p in failed if p not in on_disk and not p.startswith(hidden)]
    store.forget_failures(stale_failures)
    plan.to_check.sort(key=lambda identity: identity.path)
    return plan
