"""`smart-gallery daemon`: the process systemd/launchd run. Lock, priority, signals,
sd_notify, and the socket wired to the gallery's operations."""

from __future__ import annotations

import logging
import signal
import threading
import time

from daemon.config import Paths, Settings
from daemon.service.app import Gallery, RequestError
from daemon.service.lifecycle import InstanceLock, lower_priority, sd_notify
from daemon.service.people_requests import PeopleRequestError
from daemon.service.server import Methods, SocketServer

log = logging.getLogger("smart_gallery.daemon")

STATUS_SECONDS = 5.0


def methods_of(gallery: Gallery) -> Methods:
    return Methods({
        "search": gallery.search,
        "similar": gallery.similar,
        "duplicates": gallery.duplicates,
        "status": gallery.status,
        "folders.list": gallery.folders_list,
        "folders.add": gallery.folders_add,
        "folders.remove": gallery.folders_remove,
        "reindex": gallery.reindex,
        "pause": gallery.pause,
        "resume": gallery.resume,
        "photo.tags": gallery.photo_tags,
        "people.list": gallery.people.list,
        "people.photos": gallery.people.photos,
        "people.of_photo": gallery.people.of_photo,
        "people.name": gallery.people.name,
        "people.merge": gallery.people.merge,
        "people.split": gallery.people.split,
        "people.forget": gallery.people.forget,
    }, expected=(RequestError, PeopleRequestError))


def status_text(status: dict[str, object]) -> str:
    """One line for systemctl status."""
    text = f"Indexed {status['indexed']}, pending {status['pending']}"
    if status["paused"]:
        text += ", paused"
    if status.get("index_state") not in (None, "ok"):
        text += f", index {status['index_state']}"
    return text


def run_daemon(paths: Paths, settings: Settings, low_priority: bool = True,
               settings_error: str | None = None) -> int:
    lock = InstanceLock(paths.lock_file)
    lock.acquire()  # AlreadyRunning propagates to the CLI
    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        log.info("signal %d: stopping after the batch in hand", signum)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if low_priority:
        lower_priority()
    if settings_error:
        log.error("%s; running on the last good settings", settings_error)
    gallery = Gallery(paths, settings, settings_error=settings_error)
    server: SocketServer | None = None
    try:
        gallery.start()  # the index is read in the background: status answers meanwhile
        server = SocketServer(paths.socket, methods_of(gallery))
        server.start()
        log.info("listening on %s", paths.socket)
        sd_notify("READY=1\nSTATUS=Reading the index")
        print(f"smart-gallery daemon ready on {paths.socket}", flush=True)
        while not stop.wait(STATUS_SECONDS):
            sd_notify(f"STATUS={status_text(gallery.status())}")
    finally:
        sd_notify("STOPPING=1")
        started = time.monotonic()
        if server is not None:
            server.stop()
        gallery.stop()
        lock.release()
        log.info("stopped in %.1f s", time.monotonic() - started)
    return 0
