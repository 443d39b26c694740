"""service: every template renders and passes its platform's validator; install and
uninstall round-trip leaving nothing; --dry-run writes nothing; the unit's ExecStart
really starts the daemon, which tells systemd it is ready."""

from __future__ import annotations

import os
import plistlib
import shlex
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from daemon.service import autostart as service

ODD_COMMAND = ["/opt/Мои программы/smart gallery/bin/smart-gallery"]


def _tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text(errors="replace") if p.is_file() else "/"
            for p in sorted(root.rglob("*"))}


def _file(plan: service.Plan, name: str) -> service.ServiceFile:
    return next(f for f in plan.files if f.path.name == name)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
def test_systemd_unit_verifies(tmp_path: Path) -> None:
    executable = tmp_path / "Мои программы" / "smart gallery" / "smart-gallery"
    executable.parent.mkdir(parents=True)
    executable.write_text("#!/bin/sh\nexit 0\n")
    executable.chmod(0o755)
    plan = service.plan_install("linux", home=tmp_path, command=[str(executable)])
    unit = _file(plan, service.UNIT_NAME)
    assert unit.path == tmp_path / ".config" / "systemd" / "user" / service.UNIT_NAME \
        or os.environ.get("XDG_CONFIG_HOME")
    target = tmp_path / "check" / service.UNIT_NAME
    target.parent.mkdir()
    target.write_text(unit.content)
    result = subprocess.run(["systemd-analyze", "verify", str(target)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0 and result.stderr.strip() == "", result.stderr
    for key in ("Type=notify", "Restart=on-failure", "Nice=10", "Slice=background.slice",
                "MemoryHigh="):
        assert key in unit.content
    exec_line = next(line for line in unit.content.splitlines() if line.startswith("ExecStart="))
    assert shlex.split(exec_line.removeprefix("ExecStart=")) == [str(executable), "daemon"]


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None,
                    reason="needs desktop-file-validate (desktop-file-utils)")
def test_autostart_entry_validates(tmp_path: Path) -> None:
    plan = service.plan_install("linux", home=tmp_path, command=ODD_COMMAND, with_tray=True)
    entry = _file(plan, service.DESKTOP_NAME)
    assert entry.path.parent.name == "autostart"
    target = tmp_path / service.DESKTOP_NAME
    target.write_text(entry.content)
    result = subprocess.run(["desktop-file-validate", str(target)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == "", result.stdout
    assert "Name[ru]=Умная галерея" in entry.content
    assert 'Exec="/opt/Мои программы/smart gallery/bin/smart-gallery" tray' in entry.content


def test_launchd_agents_are_valid_plists(tmp_path: Path) -> None:
    plan = service.plan_install("darwin", home=tmp_path, command=ODD_COMMAND, with_tray=True)
    daemon_agent = plistlib.loads(_file(plan, "org.smartgallery.daemon.plist").content.encode())
    tray_agent = plistlib.loads(_file(plan, "org.smartgallery.tray.plist").content.encode())
    assert daemon_agent["ProgramArguments"] == [*ODD_COMMAND, "daemon"]
    assert daemon_agent["KeepAlive"] == {"SuccessfulExit": False}
    assert daemon_agent["StandardErrorPath"].endswith("Library/Logs/smart-gallery/daemon.log")
    assert tray_agent["ProgramArguments"] == [*ODD_COMMAND, "tray"]
    assert tray_agent["RunAtLoad"] is True
    assert all(f.path.parent == tmp_path / "Library" / "LaunchAgents" for f in plan.files)


def test_windows_run_entries(tmp_path: Path) -> None:
    plan = service.plan_install("windows", home=tmp_path,
                                command=[r"C:\Program Files\SG\smart-gallery.exe"], with_tray=True)
    daemon_command = plan.registry["SmartGalleryDaemon"]
    assert daemon_command.startswith('"C:\\Program Files\\SG\\smart-gallery.exe" daemon')
    assert "--log-file" in daemon_command
    assert plan.registry["SmartGalleryTray"].endswith(" tray")
    reg = service.render_windows_reg(plan)
    assert reg.startswith("Windows Registry Editor Version 5.00")
    assert '"SmartGalleryDaemon"="\\"C:\\\\Program Files' in reg


def test_install_starts_the_tray_now_where_there_is_a_display(tmp_path: Path,
                                                             monkeypatch) -> None:
    monkeypatch.setenv("DISPLAY", ":42")
    plan = service.plan_install("linux", home=tmp_path, command=ODD_COMMAND, with_tray=True)
    assert plan.background == [[*ODD_COMMAND, "tray"]]
    monkeypatch.delenv("DISPLAY")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert service.plan_install("linux", home=tmp_path, command=ODD_COMMAND,
                                with_tray=True).background == []


def test_without_the_tray_only_the_daemon_is_installed(tmp_path: Path) -> None:
    plan = service.plan_install("linux", home=tmp_path, command=ODD_COMMAND, with_tray=False)
    assert [f.path.name for f in plan.files] == [service.UNIT_NAME]
    assert plan.notes


def _env(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "HOME": str(tmp_path / "home"),
           "SMART_GALLERY_HOME": str(tmp_path / "home" / "sg")}
    for name in ("XDG_CONFIG_HOME", "DISPLAY", "WAYLAND_DISPLAY"):  # no tray started here
        env.pop(name, None)
    return env


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "daemon.cli", *args], env=env, text=True,
                          capture_output=True, timeout=300)


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    env = _env(tmp_path)
    (tmp_path / "home").mkdir()
    before = _tree(tmp_path)
    result = _cli(env, "service", "install", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "would write" in result.stdout and service.UNIT_NAME in result.stdout
    assert "would run: systemctl --user enable --now smart-gallery.service" in result.stdout
    assert _tree(tmp_path) == before
    assert "nothing to uninstall" in _cli(env, "service", "uninstall", "--dry-run").stdout


def test_install_then_uninstall_leaves_nothing_behind(tmp_path: Path) -> None:
    env = _env(tmp_path)
    (tmp_path / "home").mkdir()
    before = _tree(tmp_path)
    installed = _cli(env, "service", "install")
    assert installed.returncode == 0, installed.stderr
    unit = tmp_path / "home" / ".config" / "systemd" / "user" / service.UNIT_NAME
    assert unit.is_file() and f"wrote {unit}" in installed.stdout
    autostart = tmp_path / "home" / ".config" / "autostart" / service.DESKTOP_NAME
    assert autostart.is_file() and "tray" in autostart.read_text()
    status = _cli(env, "service", "status", "--json")
    assert '"installed": true' in status.stdout and "journalctl" in status.stdout
    removed = _cli(env, "service", "uninstall")
    assert removed.returncode == 0, removed.stderr
    assert _tree(tmp_path) == before
    assert '"installed": false' in _cli(env, "service", "status", "--json").stdout


def test_exec_start_really_starts_the_daemon_and_it_reports_ready(tmp_path: Path) -> None:
    plan = service.plan_install("linux", home=tmp_path)
    unit = _file(plan, service.UNIT_NAME).content
    exec_line = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
    argv = shlex.split(exec_line.removeprefix("ExecStart="))
    notify = tmp_path / "notify.sock"
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind(str(notify))
    receiver.settimeout(240)
    env = {**os.environ, "SMART_GALLERY_HOME": str(tmp_path / "sg"),
           "NOTIFY_SOCKET": str(notify)}
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        assert "READY=1" in receiver.recv(4096).decode()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=120) == 0
    finally:
        if process.poll() is None:
            process.kill()
        receiver.close()
