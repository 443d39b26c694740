"""Start at login: render the templates in service_files/ for this OS, install, remove.

Linux: a systemd user unit for the daemon and an XDG autostart entry for the tray.
macOS: launchd agents. Windows: per-user Run registry values. Templates are rendered
with the absolute path of this installation's entry point, so a venv or pipx install
works. Install records what it wrote in a manifest; uninstall removes exactly that.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from xml.sax.saxutils import escape

import platformdirs

from daemon.config import APP_NAME, Paths

UNIT_NAME = "smart-gallery.service"
DESKTOP_NAME = "smart-gallery-tray.desktop"
DAEMON_AGENT = "org.smartgallery.daemon"
TRAY_AGENT = "org.smartgallery.tray"
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"


@dataclass(frozen=True)
class ServiceFile:
    path: Path
    content: str
    role: str  # what it starts, for people reading --dry-run


@dataclass
class Plan:
    system: str  # "linux", "darwin" or "windows"
    files: list[ServiceFile] = field(default_factory=list)
    commands: list[list[str]] = field(default_factory=list)
    registry: dict[str, str] = field(default_factory=dict)  # Run value name -> command
    background: list[list[str]] = field(default_factory=list)  # started now, detached
    notes: list[str] = field(default_factory=list)


def template(name: str) -> str:
    return resources.files("service_files").joinpath(name).read_text(encoding="utf-8")


def entry_point() -> list[str]:
    """The absolute command that runs `smart-gallery` from this installation."""
    script = Path(sys.executable).parent / ("smart-gallery.exe" if os.name == "nt"
                                            else "smart-gallery")
    if script.is_file():
        return [str(script)]
    return [str(Path(sys.executable).resolve()), "-m", "daemon.cli"]


def tray_available() -> bool:
    return importlib.util.find_spec("tray.icon") is not None


def _systemd_quote(argv: list[str]) -> str:
    """ExecStart words: % and $ escaped (specifiers, variables), C-style double quotes."""
    def quote(arg: str) -> str:
        arg = arg.replace("%", "%%").replace("$", "$$")
        if arg and not any(c in arg for c in " \t\"'\\;"):
            return arg
        return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return " ".join(quote(a) for a in argv)


def _desktop_exec(argv: list[str]) -> str:
    """Desktop Entry Exec: reserved characters in double quotes with \" ` $ \\ escaped,
    % doubled, then the string-value escaping of backslashes."""
    reserved = set(" \t\n\"'\\><~|&;$*?#()`%")

    def quote(arg: str) -> str:
        if arg and not reserved & set(arg):
            return arg
        inner = "".join("\\" + c if c in '"`$\\' else c for c in arg)
        return '"' + inner.replace("%", "%%") + '"'
    return " ".join(quote(a) for a in argv).replace("\\", "\\\\")


def _plist_arguments(argv: list[str]) -> str:
    return "\n".join(f"        <string>{escape(a)}</string>" for a in argv)


def log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME))


def plan_install(system: str, home: Path | None = None, command: list[str] | None = None,
                 with_tray: bool | None = None) -> Plan:
    """What install writes and runs; the tray's entries only where the tray is installed."""
    home = home or Path.home()
    argv = command or entry_point()
    daemon_argv = [*argv, "daemon"]
    tray_argv = [*argv, "tray"]
    with_tray = tray_available() if with_tray is None else with_tray
    plan = Plan(system)
    if system == "linux":
        config = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
        unit = template(UNIT_NAME).replace("{exec_start}", _systemd_quote(daemon_argv))
        plan.files.append(ServiceFile(config / "systemd" / "user" / UNIT_NAME, unit,
                                      "daemon (systemd user unit)"))
        if with_tray:
            desktop = template(DESKTOP_NAME).replace("{exec_tray}", _desktop_exec(tray_argv))
            plan.files.append(ServiceFile(config / "autostart" / DESKTOP_NAME, desktop,
                                          "tray (XDG autostart)"))
        plan.commands = [["systemctl", "--user", "daemon-reload"],
                         ["systemctl", "--user", "enable", "--now", UNIT_NAME]]
        if with_tray and (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            plan.background.append(tray_argv)  # autostart takes over from the next login
    elif system == "darwin":
        agents = home / "Library" / "LaunchAgents"
        logs = home / "Library" / "Logs" / APP_NAME
        for label, argv_, role, wanted in ((DAEMON_AGENT, daemon_argv, "daemon", True),
                                           (TRAY_AGENT, tray_argv, "tray", with_tray)):
            if not wanted:
                continue
            content = (template(f"{label}.plist")
                       .replace("{program_arguments}", _plist_arguments(argv_))
                       .replace("{log_file}", escape(str(logs / f"{role}.log"))))
            path = agents / f"{label}.plist"
            plan.files.append(ServiceFile(path, content, f"{role} (launchd agent)"))
            plan.commands.append(["launchctl", "load", "-w", str(path)])
    elif system == "windows":
        logs = log_dir()
        pythonw = Path(sys.executable).with_name("pythonw.exe")
        runner = [str(pythonw), "-m", "daemon.cli"] if pythonw.exists() else argv
        plan.registry["SmartGalleryDaemon"] = subprocess.list2cmdline(
            [*runner, "daemon", "--log-file", str(logs / "daemon.log")])
        if with_tray:
            plan.registry["SmartGalleryTray"] = subprocess.list2cmdline([*runner, "tray"])
        # Run values take effect at the next login: start both now as well.
        plan.background.append([*runner, "daemon", "--log-file", str(logs / "daemon.log")])
        if with_tray:
            plan.background.append([*runner, "tray"])
    else:
        raise ValueError(f"unsupported system {system!r}")
    if not with_tray:
        plan.notes.append("the tray is not part of this installation yet; only the daemon "
                          "starts at login")
    return plan


def current_system() -> str:
    if sys.platform.startswith("linux"):
        return "linux"
    if sys.platform == "darwin":
        return "darwin"
    if sys.platform in ("win32", "cygwin"):
        return "windows"
    raise ValueError(f"unsupported platform {sys.platform}")


@dataclass
class Outcome:
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    ran: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


Runner = Callable[[list[str]], subprocess.CompletedProcess[str]]


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def _manifest(paths: Paths) -> Path:
    return paths.config_dir / "installed-service.json"


def install(plan: Plan, paths: Paths, run: Runner = _run) -> Outcome:
    outcome = Outcome()
    created_dirs: list[str] = []
    for item in plan.files:
        created_dirs += _make_dirs(item.path.parent)
        item.path.write_text(item.content, encoding="utf-8")
        outcome.written.append(str(item.path))
    if plan.registry:
        _write_registry(plan.registry)
        outcome.written += [f"HKCU\\{RUN_KEY}\\{name}" for name in plan.registry]
    manifest = _manifest(paths)
    created_dirs += _make_dirs(manifest.parent)
    manifest.write_text(json.dumps({
        "system": plan.system, "files": [str(f.path) for f in plan.files],
        "created_dirs": created_dirs, "registry": list(plan.registry)}, indent=1),
        encoding="utf-8")
    for command in plan.commands:
        _run_reporting(command, run, outcome)
    for command in plan.background:
        try:
            subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             stdin=subprocess.DEVNULL, start_new_session=True)
            outcome.ran.append(shlex.join(command) + " &")
        except OSError as exc:
            outcome.warnings.append(f"could not start `{shlex.join(command)}`: {exc}")
    return outcome


def _make_dirs(folder: Path) -> list[str]:
    """mkdir -p, returning the folders it created (so uninstall can remove them)."""
    missing = []
    parent = folder
    while not parent.exists():
        missing.append(parent)
        parent = parent.parent
    folder.mkdir(parents=True, exist_ok=True)
    return [str(d) for d in reversed(missing)]


def _run_reporting(command: list[str], run: Runner, outcome: Outcome) -> None:
    if shutil.which(command[0]) is None:
        outcome.warnings.append(f"{command[0]} not found; run `{shlex.join(command)}` "
                                "in your session")
        return
    result = run(command)
    outcome.ran.append(shlex.join(command))
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        outcome.warnings.append(f"`{shlex.join(command)}` failed: "
                                f"{detail[-1] if detail else result.returncode}; "
                                "the files are in place, run it in your desktop session")


def plan_uninstall(paths: Paths) -> tuple[Plan, list[str]]:
    manifest = _manifest(paths)
    if not manifest.exists():
        return Plan(current_system()), []
    data = json.loads(manifest.read_text(encoding="utf-8"))
    plan = Plan(data["system"])
    plan.files = [ServiceFile(Path(p), "", "") for p in data["files"]]
    plan.registry = {name: "" for name in data.get("registry", [])}
    if plan.system == "linux":
        plan.commands = [["systemctl", "--user", "disable", "--now", UNIT_NAME],
                         ["systemctl", "--user", "daemon-reload"]]
    elif plan.system == "darwin":
        plan.commands = [["launchctl", "unload", "-w", str(f.path)] for f in plan.files]
    return plan, data.get("created_dirs", [])


def uninstall(paths: Paths, run: Runner = _run) -> Outcome:
    plan, created_dirs = plan_uninstall(paths)
    outcome = Outcome()
    # stop first (the unit file must still exist for systemctl disable)
    for command in plan.commands[:1] if plan.system == "linux" else plan.commands:
        _run_reporting(command, run, outcome)
    for item in plan.files:
        if item.path.exists():
            item.path.unlink()
            outcome.removed.append(str(item.path))
    if plan.registry:
        _delete_registry(list(plan.registry))
        outcome.removed += [f"HKCU\\{RUN_KEY}\\{name}" for name in plan.registry]
    manifest = _manifest(paths)
    if manifest.exists():
        manifest.unlink()
        outcome.removed.append(str(manifest))
    for folder in sorted(created_dirs, key=len, reverse=True):
        path = Path(folder)
        if path.is_dir() and not any(path.iterdir()):
            path.rmdir()
            outcome.removed.append(folder)
    if plan.system == "linux":
        for command in plan.commands[1:]:
            _run_reporting(command, run, outcome)
    return outcome


def status(paths: Paths) -> dict[str, object]:
    from daemon.service.client import Client, DaemonNotRunning

    plan, _ = plan_uninstall(paths)
    try:
        with Client(paths.socket, timeout=5) as client:
            daemon = client.call("status")
            running: object = {"pid": daemon.get("pid"), "indexed": daemon.get("indexed")}
    except DaemonNotRunning:
        running = False
    system = plan.system
    logs = {"linux": "journalctl --user -u smart-gallery",
            "darwin": str(Path.home() / "Library" / "Logs" / APP_NAME),
            "windows": str(log_dir())}[system]
    return {"installed": bool(plan.files or plan.registry),
            "files": [str(f.path) for f in plan.files] + [
                f"HKCU\\{RUN_KEY}\\{n}" for n in plan.registry],
            "running": running, "logs": logs, "index": str(paths.index_db),
            "settings": str(paths.settings_file)}


def _write_registry(values: dict[str, str]) -> None:  # pragma: no cover - Windows only
    import winreg

    with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY, 0, winreg.KEY_SET_VALUE) as key:
        for name, command in values.items():
            winreg.SetValueEx(key, name, 0, winreg.REG_SZ, command)


def _delete_registry(names: list[str]) -> None:  # pragma: no cover - Windows only
    import winreg

    with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY, 0, winreg.KEY_SET_VALUE) as key:
        for name in names:
            with contextlib.suppress(FileNotFoundError):
                winreg.DeleteValue(key, name)


def render_windows_reg(plan: Plan) -> str:
    """The .reg rendering of the Run values (what --dry-run shows on Windows)."""
    def reg_string(value: str) -> str:
        return value.replace("\\", "\\\\").replace('"', '\\"')
    text = template("smart-gallery-windows.reg")
    text = text.replace("{command_daemon}", reg_string(plan.registry.get("SmartGalleryDaemon",
                                                                         "")))
    return text.replace("{command_tray}", reg_string(plan.registry.get("SmartGalleryTray", "")))
