"""The real daemon process on real folders: follow the user's files, survive crashes.

Each test starts `smart-gallery daemon` as a separate process with its own
SMART_GALLERY_HOME, talks to it over its Unix socket and changes real files under inotify.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import COCO_IMAGES, clear_photo
from daemon_process import DaemonProcess

from daemon.service.client import Client, DaemonError


@pytest.fixture
def daemon(tmp_path: Path):
    with DaemonProcess(tmp_path / "home") as process:
        yield process.start()


def _paths_in_index(home: Path) -> list[str]:
    db = sqlite3.connect(home / "data" / "index.sqlite3")
    try:
        return [row[0] for row in db.execute("SELECT path FROM photos")]
    finally:
        db.close()


def _in_index(daemon: DaemonProcess, path: Path) -> bool:
    try:
        return daemon.call("photo.tags", path=str(path)) is not None
    except DaemonError:
        return False


def test_folder_add_makes_photos_searchable_and_follows_changes(daemon, photo_dir) -> None:
    daemon.call("folders.add", path=str(photo_dir))
    daemon.wait_idle()
    assert sorted(daemon.search("кошка")[:2]) == ["cat_0.jpg", "cat_1.jpg"]
    assert daemon.call("status")["indexed"] == 7

    # a photo copied in becomes searchable
    shutil.copy(clear_photo("bus"), photo_dir / "новый автобус.jpg")
    daemon.wait_until(lambda: "новый автобус.jpg" in daemon.search("автобус"), 30)

    # edited in place: re-tagged (the cat photo now holds a pizza)
    shutil.copy(clear_photo("pizza"), photo_dir / "cat_0.jpg")
    daemon.wait_until(lambda: "cat_0.jpg" in daemon.search("пицца"), 30)
    daemon.wait_until(lambda: "cat_0.jpg" not in daemon.search("кошка"), 30)

    # renamed and moved into a new subfolder: keeps its tags under the new name
    before = daemon.call("photo.tags", path=str(photo_dir / "cat_1.jpg"))
    (photo_dir / "альбом").mkdir()
    os.rename(photo_dir / "cat_1.jpg", photo_dir / "альбом" / "мой кот 🐱.jpg")
    daemon.wait_until(lambda: "мой кот 🐱.jpg" in daemon.search("кошка"), 30)
    after = daemon.call("photo.tags", path=str(photo_dir / "альбом" / "мой кот 🐱.jpg"))
    assert after["tags"] == before["tags"]
    assert "cat_1.jpg" not in daemon.search("кошка")

    # deleted: leaves the results
    (photo_dir / "dog_0.jpg").unlink()
    daemon.wait_until(lambda: "dog_0.jpg" not in daemon.search("собака"), 30)

    # a whole folder renamed, then deleted
    os.rename(photo_dir / "альбом", photo_dir / "Коты")
    daemon.wait_until(lambda: _in_index(daemon, photo_dir / "Коты" / "мой кот 🐱.jpg"), 30)
    shutil.rmtree(photo_dir / "Коты")
    daemon.wait_until(lambda: "мой кот 🐱.jpg" not in daemon.search("кошка"), 30)

    daemon.wait_idle()
    paths = _paths_in_index(daemon.home)
    assert len(paths) == len(set(paths))
    on_disk = {str(p) for p in photo_dir.rglob("*.jpg")}
    assert set(paths) == on_disk


def test_pause_resume_reindex_and_errors(daemon, photo_dir) -> None:
    daemon.call("pause")
    daemon.call("folders.add", path=str(photo_dir))
    time.sleep(2)
    status = daemon.call("status")
    assert status["paused"] and status["indexed"] == 0 and status["pending"] > 0
    daemon.call("resume")
    daemon.wait_idle()
    assert daemon.call("status")["indexed"] == 7
    assert daemon.call("reindex", path=str(photo_dir / "bus_0.jpg")) == {
        "reindexing": [str(photo_dir / "bus_0.jpg")]}
    daemon.wait_idle()
    with pytest.raises(DaemonError, match="not inside a watched folder"):
        daemon.call("reindex", path="/etc")
    with pytest.raises(DaemonError, match="not a folder"):
        daemon.call("folders.add", path=str(photo_dir / "nope"))
    with pytest.raises(DaemonError, match="invalid params"), Client(daemon.socket) as client:
        client.call("search", wrong="x")
    with pytest.raises(DaemonError, match="at most 500 characters"):
        daemon.call("search", query="кошка " * 100)  # a pasted text
    assert daemon.call("folders.list")[0]["path"] == str(photo_dir)
    daemon.call("folders.remove", path=str(photo_dir))
    daemon.wait_idle()
    assert daemon.call("status")["indexed"] == 0 and daemon.call("folders.list") == []


def test_cli_talks_to_the_daemon_and_falls_back_when_it_is_down(daemon, photo_dir) -> None:
    env = daemon.env
    run = lambda *a: subprocess.run([sys.executable, "-m", "daemon.cli", *a], env=env,  # noqa: E731
                                    text=True, capture_output=True, timeout=300)
    added = run("folders", "add", str(photo_dir))
    assert added.returncode == 0 and added.stdout.startswith(f"watching {photo_dir}; ")
    daemon.wait_idle()
    status = run("status", "--json")
    assert '"daemon": "running"' in status.stdout and '"indexed": 7' in status.stdout
    assert "cat_" in run("search", "кошка").stdout
    assert daemon.stop() == 0
    assert not daemon.socket.exists()
    offline = run("search", "кошка")
    assert offline.returncode == 0 and "cat_" in offline.stdout
    assert "daemon is not running" in offline.stderr
    paused = run("pause")
    assert paused.returncode == 3 and "not running" in paused.stderr


def test_index_leaves_the_daemons_index_to_the_daemon(daemon, photo_dir) -> None:
    # Written behind its back, the index would hold photos the daemon's search never
    # shows, and a damaged index would be moved aside under it.
    run = lambda *a: subprocess.run([sys.executable, "-m", "daemon.cli", *a],  # noqa: E731
                                    env=daemon.env, text=True, capture_output=True, timeout=300)
    refused = run("index", "--no-text", str(photo_dir))
    assert refused.returncode == 2, refused.stderr
    assert f"`smart-gallery folders add {photo_dir}`" in refused.stderr
    assert _paths_in_index(daemon.home) == []
    assert daemon.stop() == 0
    assert run("index", "--no-text", str(photo_dir)).returncode == 0  # alone, it may
    assert len(_paths_in_index(daemon.home)) == 7


def test_one_daemon_per_user(daemon) -> None:
    second = subprocess.run([sys.executable, "-m", "daemon.cli", "daemon"], env=daemon.env,
                            text=True, capture_output=True, timeout=300)
    assert second.returncode == 7 and "another daemon is running" in second.stderr
    assert daemon.call("status") is not None


def test_the_cli_finds_a_daemon_that_had_to_make_its_runtime_dir(tmp_path: Path) -> None:
    """XDG_RUNTIME_DIR named but missing (a `su` or container session): the daemon makes
    it 0700, as the XDG spec asks, so the CLI, whose platformdirs refuses a runtime dir
    that is not private, looks for the socket where the daemon listens."""
    runtime = tmp_path / "run" / "user"
    env = {key: value for key, value in os.environ.items()
           if key not in ("SMART_GALLERY_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME")}
    env.update(HOME=str(tmp_path / "home"), XDG_RUNTIME_DIR=str(runtime))
    with open(tmp_path / "daemon.log", "w", encoding="utf-8") as log:
        process = subprocess.Popen([sys.executable, "-m", "daemon.cli", "daemon", "--no-nice"],
                                   env=env, stdout=log, stderr=log, text=True)
        try:
            deadline = time.monotonic() + 180
            while not (runtime / "smart-gallery" / "daemon.sock").exists():
                assert process.poll() is None and time.monotonic() < deadline, (
                    (tmp_path / "daemon.log").read_text())
                time.sleep(0.2)
            status = subprocess.run([sys.executable, "-m", "daemon.cli", "status"], env=env,
                                    text=True, capture_output=True, timeout=120)
        finally:
            process.terminate()
            process.wait(timeout=120)
    assert "daemon: running" in status.stdout, status.stdout + status.stderr
    assert runtime.stat().st_mode & 0o777 == 0o700
    assert runtime.parent.stat().st_mode & 0o777 == 0o700


def test_kill_9_during_indexing_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    photos = tmp_path / "many"
    photos.mkdir()
    sources = sorted(COCO_IMAGES.glob("*.jpg"))[:300]
    for source in sources:
        shutil.copy(source, photos / source.name)
    with DaemonProcess(tmp_path / "home") as daemon:
        daemon.start()
        daemon.call("folders.add", path=str(photos))
        daemon.wait_until(lambda: daemon.call("status")["indexed"] >= 40, 120)
        daemon.kill9()
        indexed_at_kill = len(_paths_in_index(daemon.home))
        assert 0 < indexed_at_kill < len(sources)
        daemon.start()  # stale socket and lock from the killed process are handled
        daemon.wait_idle(300)
        assert daemon.call("status")["indexed"] == len(sources)
    db = sqlite3.connect(tmp_path / "home" / "data" / "index.sqlite3")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    paths = [row[0] for row in db.execute("SELECT path FROM photos")]
    assert sorted(paths) == sorted(str(photos / s.name) for s in sources)
    orphans = db.execute("SELECT count(*) FROM tags WHERE photo_id NOT IN "
                         "(SELECT id FROM photos)").fetchone()[0]
    assert orphans == 0


def test_unplugged_folder_keeps_its_photos_and_comes_back(tmp_path: Path, photo_dir) -> None:
    with DaemonProcess(tmp_path / "home") as daemon:
        daemon.start()
        daemon.call("folders.add", path=str(photo_dir))
        daemon.wait_idle()
        daemon.stop()
        unplugged = photo_dir.with_name("unplugged")
        os.rename(photo_dir, unplugged)
        daemon.start()
        daemon.wait_idle()
        status = daemon.call("status")
        assert status["indexed"] == 7
        assert status["folders"] == [{"path": str(photo_dir), "online": False, "watched": False}]
        assert len(daemon.search("кошка")) >= 2
        shutil.copy(clear_photo("dog"), unplugged / "while_away.jpg")
        (unplugged / "bus_0.jpg").unlink()
        os.rename(unplugged, photo_dir)  # plugged back in
        daemon.wait_until(lambda: daemon.call("status")["folders"][0]["online"], 30)
        daemon.wait_until(lambda: "while_away.jpg" in daemon.search("собака"), 60)
        daemon.wait_until(lambda: "bus_0.jpg" not in daemon.search("автобус"), 60)
        # and it is watched again
        shutil.copy(clear_photo("bus"), photo_dir / "after.jpg")
        daemon.wait_until(lambda: "after.jpg" in daemon.search("автобус"), 30)


def test_socket_survives_garbage(daemon, photo_dir) -> None:
    def raw(data: bytes) -> bytes:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(30)
            sock.connect(str(daemon.socket))
            sock.sendall(data)
            return sock.makefile("rb").readline()

    assert b'"code": -32700' in raw(b"{not json\n")
    assert b'"code": -32600' in raw(b'{"jsonrpc": "1.0", "method": "status", "id": 1}\n')
    assert b'"code": -32601' in raw(b'{"jsonrpc": "2.0", "method": "rm -rf", "id": 2}\n')
    assert b'"code": -32700' in raw(b"\xff\xfe\x00garbage\n")
    # a 100 MB line: refused with an error, not read into memory
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(60)
        sock.connect(str(daemon.socket))
        chunk = b"x" * (1 << 20)
        answer = b""
        try:
            for _ in range(100):
                sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the daemon stopped reading once the line passed its limit
        answer = sock.makefile("rb").readline()
        assert b"request larger than" in answer
    # a client that connects and stays silent does not block the others
    silent = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    silent.connect(str(daemon.socket))
    try:
        assert daemon.call("status") is not None
    finally:
        silent.close()
    # the daemon's permissions: only the user
    assert daemon.socket.stat().st_mode & 0o777 == 0o600
    assert daemon.socket.parent.stat().st_mode & 0o777 == 0o700


def test_fifty_clients_search_while_indexing(daemon, tmp_path: Path) -> None:
    import threading

    photos = tmp_path / "batch"
    photos.mkdir()
    for source in sorted(COCO_IMAGES.glob("*.jpg"))[:150]:
        shutil.copy(source, photos / source.name)
    daemon.call("folders.add", path=str(photos))
    daemon.wait_until(lambda: daemon.call("status")["indexed"] > 0, 60)
    errors: list[BaseException] = []
    answers: list[int] = []

    def client_loop() -> None:
        try:
            with Client(daemon.socket, timeout=60) as client:
                for query in ("кошка", "собака", "транспорт", "сабака на диване"):
                    answers.append(len(client.call("search", query=query)["results"]))
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=client_loop) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert len(answers) == 200
    assert daemon.call("status")["pending"] > 0 or daemon.call("status")["indexed"] == 150


def test_ready_is_sent_to_systemd(tmp_path: Path) -> None:
    notify = tmp_path / "notify.sock"
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind(str(notify))
    receiver.settimeout(180)
    try:
        with DaemonProcess(tmp_path / "home") as daemon:
            daemon.start(extra_env={"NOTIFY_SOCKET": str(notify)})
            message = receiver.recv(4096).decode()
            assert "READY=1" in message
            assert daemon.stop() == 0
            messages = []
            receiver.settimeout(5)
            try:
                while True:
                    messages.append(receiver.recv(4096).decode())
            except TimeoutError:
                pass
            assert any("STOPPING=1" in m for m in messages)
    finally:
        receiver.close()


MAX_WATCHES = Path("/proc/sys/fs/inotify/max_user_watches")


@pytest.mark.skipif(not os.access(MAX_WATCHES, os.W_OK),
                    reason="needs to lower fs.inotify.max_user_watches (root)")
def test_out_of_inotify_watches_falls_back_to_rescans(daemon, photo_dir) -> None:
    for index in range(40):
        (photo_dir / f"album{index}").mkdir()
    original = MAX_WATCHES.read_text()
    try:
        MAX_WATCHES.write_text("10")
        daemon.call("folders.add", path=str(photo_dir))
        daemon.wait_until(lambda: daemon.call("status")["watch_limit_reached"], 60)
    finally:
        MAX_WATCHES.write_text(original)
    folder = daemon.call("status")["folders"][0]
    assert "max_user_watches" in folder["rescans"]
    assert "inotify watch limit reached" in daemon.log()
    # changes in a folder nobody watches are still found, by the periodic rescan
    shutil.copy(clear_photo("bus"), photo_dir / "album39" / "found_by_rescan.jpg")
    daemon.wait_until(lambda: "found_by_rescan.jpg" in daemon.search("автобус"), 60)


def test_restart_maps_the_matrix_file_and_a_kill_loses_no_change(tmp_path: Path,
                                                                   photo_dir) -> None:
    """A clean stop writes the matrix file and the next start maps it; after a kill -9 the
    file is older than the index, and the change log brings it up to date."""
    matrix_file = tmp_path / "home" / "data" / "index.matrix"
    with DaemonProcess(tmp_path / "home") as daemon:
        daemon.start()
        daemon.call("folders.add", path=str(photo_dir))
        daemon.wait_idle()
        assert daemon.stop() == 0
        assert matrix_file.exists()
        _start_and_load(daemon)
        assert "matrix file" in daemon.log() and "mapped" in daemon.log()
        shutil.copy(clear_photo("bus"), photo_dir / "после файла.jpg")
        (photo_dir / "dog_0.jpg").unlink()
        daemon.wait_until(lambda: "после файла.jpg" in daemon.search("автобус"), 30)
        daemon.wait_until(lambda: "dog_0.jpg" not in daemon.search("собака"), 30)
        written = matrix_file.stat().st_mtime_ns
        daemon.kill9()
        assert matrix_file.stat().st_mtime_ns == written  # the file knows neither change
        _start_and_load(daemon)
        daemon.wait_idle()
        # the index holds both changes already, so nothing re-indexes them: the search
        # sees them only through the change log
        assert "после файла.jpg" in daemon.search("автобус")
        assert "dog_0.jpg" not in daemon.search("собака")
        assert daemon.call("status")["indexed"] == 7
        assert daemon.log().count("mapped") >= 2


def _start_and_load(daemon: DaemonProcess) -> None:
    """start() returns when the socket answers; the writer reads the index after that."""
    daemon.start()
    daemon.wait_until(lambda: daemon.call("status")["index_state"] != "loading", 60,
                      "the index was not read")


def test_similar_photos_and_copies_over_the_socket(daemon, photo_dir) -> None:
    daemon.call("folders.add", path=str(photo_dir))
    daemon.wait_idle()
    answer = daemon.call("similar", path=str(photo_dir / "pizza_0.jpg"), limit=3)
    assert answer["similar_to"] == str(photo_dir / "pizza_0.jpg")
    assert Path(answer["results"][0]["path"]).name == "pizza_1.jpg"
    assert answer["results"][0]["why"][0].startswith("похоже: ")
    pizzas = daemon.call("similar", path=str(photo_dir / "pizza_0.jpg"), query="пицца")
    assert [Path(r["path"]).name for r in pizzas["results"]] == ["pizza_1.jpg"]
    with pytest.raises(DaemonError, match="not in the index"):
        daemon.call("similar", path=str(photo_dir / "нет такого.jpg"))

    shutil.copy(photo_dir / "dog_0.jpg", photo_dir / "копия собаки.jpg")
    daemon.wait_until(lambda: daemon.call("duplicates")["groups"], 30)
    groups = daemon.call("duplicates", path=str(photo_dir / "dog_0.jpg"))["groups"]
    assert [sorted(Path(p["path"]).name for p in g["photos"]) for g in groups] == [
        ["dog_0.jpg", "копия собаки.jpg"]]
    assert groups[0]["kind"] == "exact" and groups[0]["photos"][0]["why"] == ["тот же файл"]
