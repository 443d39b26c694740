"""`smart-gallery daemon`: the process systemd/launchd run. Lock, priority, signals,
sd_notify, and the socket wired to the gallery's operations."""

from __future__ import annotations

import logging
import signal
import threading
import time

from daemon.app import Gallery, RequestError
from daemon.config import Paths, Settings
from daemon.lifecycle import InstanceLock, lower_priority, sd_notify
from daemon.server import Methods, SocketServer

log = logging.getLogger("smart_gallery.daemon")

STATUS_SECONDS = 5.0


def methods_of(gallery: Gallery) -> Methods:
    return Methods({
        "search": gallery.search,
        "status": gallery.status,
        "folders.list": gallery.folders_list,
        "folders.add": gallery.folders_add,
        "folders.remove": gallery.folders_remove,
        "reindex": gallery.reindex,
        "pause": gallery.pause,
        "resume": gallery.resume,
        "photo.tags": gallery.photo_tags,
    }, expected=(RequestError,))


def run_daemon(paths: Paths, settings: Settings, low_priority: bool = True) -> int:
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
    gallery = Gallery(paths, settings)
    server: SocketServer | None = None
    try:
        gallery.start()
        server = SocketServer(paths.socket, methods_of(gallery))
        server.start()
        log.info("listening on %s; %d photos searchable", paths.socket, len(gallery.matrix))
        sd_notify(f"READY=1\nSTATUS=Searchable: {len(gallery.matrix)} photos")
        print(f"smart-gallery daemon ready on {paths.socket}", flush=True)
        while not stop.wait(STATUS_SECONDS):
            status = gallery.status()
            sd_notify(f"STATUS=Indexed {status['indexed']}, pending {status['pending']}"
                      + (", paused" if status["paused"] else ""))
    finally:
        sd_notify("STOPPING=1")
        started = time.monotonic()
        if server is not None:
            server.stop()
        gallery.stop()
        lock.release()
        log.info("stopped in %.1f s", time.monotonic() - started)
    return 0
