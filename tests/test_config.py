"""config: settings.toml as the user writes it — every mistake one line that names the file,
the line and the problem; the daemon's last good copy when the file is broken."""

from __future__ import annotations

from pathlib import Path

import pytest

from daemon.config import (
    SETTLE_SECONDS,
    Paths,
    Settings,
    SettingsError,
    SettingsFile,
    load_for_daemon,
)


def problem(text: str, path: Path = Path("/home/me/.config/smart-gallery/settings.toml")) -> str:
    with pytest.raises(SettingsError) as error:
        Settings.parse(text, path)
    message = str(error.value)
    assert "\n" not in message
    return message


def test_a_toml_syntax_error_names_the_line_and_column() -> None:
    assert problem('folders = ["/home/me/Фото"]\nthreads = \n') == (
        "settings file /home/me/.config/smart-gallery/settings.toml, line 2, column 11: "
        "invalid value")
    assert problem('folders = ["/a"\n').startswith(
        "settings file /home/me/.config/smart-gallery/settings.toml, ")
    assert "line 1" in problem("model efficientnet\n")


def test_a_wrong_value_names_the_setting_and_what_it_must_be() -> None:
    text = 'folders = ["/home/me/Фото"]\n\nthreads = "two"\n'
    assert problem(text).endswith("line 3: threads must be a whole number of at least 1, "
                                  "not 'two'")
    assert "must be one of 'efficientnet-lite0', 'resnet50'" in problem('model = "vit"')
    assert "folders must be a list of strings" in problem('folders = "/home/me"')
    assert "detector must be true or false" in problem('detector = "yes"')
    assert "multiple of 32" in problem("detector_size = 100")
    assert "rescan_seconds must be a number of seconds" in problem("rescan_seconds = -1")


def test_good_settings_and_unknown_keys_load() -> None:
    settings = Settings.parse('folders = ["/a", "/b"]\nthreads = 2\nfuture_option = 1\n',
                              Path("s.toml"))
    assert settings.folders == ("/a", "/b") and settings.threads == 2
    assert settings.extra == {"future_option": 1}


def test_folders_are_full_paths_and_a_tilde_is_the_home(monkeypatch) -> None:
    monkeypatch.setenv("HOME", "/home/me")
    settings = Settings.parse('folders = ["~/Pictures", "/mnt/photos/", "~"]\n', Path("s"))
    assert settings.folders == ("/home/me/Pictures", "/mnt/photos", "/home/me")
    assert problem('threads = 2\nfolders = ["Pictures"]\n').endswith(
        "line 2: folders: 'Pictures' is not a full path; write it from / or ~, "
        'e.g. "~/Pictures"')


def test_saved_settings_read_back(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    settings = Settings(folders=("/home/me/Фото с \"кавычками\"", "/x 😀"), threads=3)
    settings.save(path)
    assert Settings.load(path) == settings


def paths_in(home: Path) -> Paths:
    return Paths(home / "data", home / "config", home / "cache", home / "run")


def test_a_daemon_on_a_broken_file_keeps_the_last_good_folders(tmp_path: Path) -> None:
    paths = paths_in(tmp_path)
    paths.config_dir.mkdir()
    paths.settings_file.write_text('folders = ["/home/me/Фото"]\n', encoding="utf-8")
    settings, error = load_for_daemon(paths)
    assert settings.folders == ("/home/me/Фото",) and error is None
    assert paths.last_good_settings.exists()

    paths.settings_file.write_text('folders = ["/home/me/Фото", \n', encoding="utf-8")
    settings, error = load_for_daemon(paths)
    assert settings.folders == ("/home/me/Фото",)
    assert error is not None and str(paths.settings_file) in error
    # the user's broken text is left for them to fix
    assert paths.settings_file.read_text(encoding="utf-8") == 'folders = ["/home/me/Фото", \n'


def test_a_broken_file_without_a_good_copy_runs_on_defaults(tmp_path: Path) -> None:
    paths = paths_in(tmp_path)
    paths.config_dir.mkdir()
    paths.settings_file.write_text("threads = [", encoding="utf-8")
    settings, error = load_for_daemon(paths)
    assert settings == Settings() and error is not None


def test_the_file_is_noticed_when_it_changes_and_has_settled(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    watched = SettingsFile(path)
    watched.remember()
    assert not watched.changed()
    path.write_text("threads = 2\n", encoding="utf-8")
    written = path.stat().st_mtime_ns / 1e9
    # just written: an editor saving in place may not be done (an empty file, at first,
    # would be settings without folders)
    assert not watched.changed(now=written + 0.1)
    assert watched.changed(now=written + SETTLE_SECONDS) and not watched.changed()
    path.write_text("threads = 3\nbatch_size = 4\n", encoding="utf-8")
    assert watched.changed(now=path.stat().st_mtime_ns / 1e9 + 1.0)
    # a clock that disagrees with the file's (a network share) does not hold it back forever
    path.write_text("threads = 4\n", encoding="utf-8")
    assert watched.changed(now=path.stat().st_mtime_ns / 1e9 - 3600)
