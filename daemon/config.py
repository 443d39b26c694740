"""Where Smart Gallery keeps its files, and the user's settings (a TOML file)."""

from __future__ import annotations

import json
import os
import re
import time
import tomllib
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path

import platformdirs

APP_NAME = "smart-gallery"

PHOTO_EXTENSIONS = frozenset(
    {".jpg", ".jpeg", ".jpe", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".heic", ".heif"}
)

# Settings name of a tagger -> the id stored with each photo's tags.
MODEL_IDS = {"efficientnet-lite0": "efficientnet-lite0", "resnet50": "resnet50-imagenet1k-v2"}
# EfficientNet-Lite0 reads the whole photo (daemon/signals/classifier.py); its rows carry
# this suffix, since they differ from a centre crop's (rows an older version stored).
WHOLE_FRAME_SUFFIX = "-frame"

# Folders that hold other tools' caches, never the user's photos.
DEFAULT_EXCLUDES = ("@eaDir", ".thumbnails", "__MACOSX", "$RECYCLE.BIN", ".Trash", ".Trashes")


@dataclass(frozen=True)
class Paths:
    """The folders the app writes to; SMART_GALLERY_HOME puts them all under one folder."""

    data_dir: Path
    config_dir: Path
    cache_dir: Path
    runtime_dir: Path

    @property
    def socket(self) -> Path:
        return self.runtime_dir / "daemon.sock"

    @property
    def lock_file(self) -> Path:
        return self.runtime_dir / "daemon.lock"

    @property
    def index_db(self) -> Path:
        return self.data_dir / "index.sqlite3"

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.toml"

    @property
    def people_file(self) -> Path:
        """The names the user gave people and which faces are whose: user data."""
        return self.config_dir / "people.json"

    @property
    def last_good_settings(self) -> Path:
        """A copy of the last settings file that could be read: a daemon started on a
        malformed file still knows the user's folders."""
        return self.data_dir / "settings.last-good.toml"

    @classmethod
    def default(cls) -> Paths:
        home = os.environ.get("SMART_GALLERY_HOME")
        if home:
            root = Path(home)
            paths = cls(root / "data", root / "config", root / "cache", root / "run")
        else:
            paths = cls(
                Path(platformdirs.user_data_dir(APP_NAME)),
                Path(platformdirs.user_config_dir(APP_NAME)),
                Path(platformdirs.user_cache_dir(APP_NAME)),
                _runtime_dir(),
            )
        cache = os.environ.get("SMART_GALLERY_CACHE")  # e.g. exported models shared by tests
        return replace(paths, cache_dir=Path(cache)) if cache else paths


@dataclass(frozen=True)
class Settings:
    """What the user may set in settings.toml; every field has a working default."""

    model: str = "efficientnet-lite0"  # or "resnet50"
    model_weights: str | None = None  # a local weights file (ResNet50)
    word_vectors: str = "navec"  # or "fasttext"
    fasttext_model: str | None = None  # path to a fastText .bin model
    folders: tuple[str, ...] = ()
    excludes: tuple[str, ...] = DEFAULT_EXCLUDES
    index_hidden: bool = False
    threads: int = 1  # threads of one model run; two workers decode and tag side by side
    batch_size: int = 8  # photos between pause/stop checks
    # The COCO-80 object detector beside the ImageNet tagger (people, giraffes, forks…).
    detector: bool = True
    # input side in pixels, a multiple of 32 (see daemon/signals/detector.py)
    detector_size: int = 384
    # Read the text in photos (screenshots, documents, signs) with Tesseract, where it is
    # installed: a later pass, after the models have made every photo searchable.
    text: bool = True
    # Find faces where the detector saw a person: women, men, children, how many people,
    # and who (people the user names). Off: face data is deleted from the index.
    faces: bool = True
    # How often the daemon looks at offline folders and folders it could not watch.
    rescan_seconds: float = 30.0
    # How soon indexing tries again after a full disk or a read-only index (it backs off
    # to 5 minutes while the trouble lasts; freed space is noticed at once).
    retry_seconds: float = 30.0
    extra: dict[str, object] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Settings:
        """The settings in path (defaults when it does not exist); SettingsError says in
        one line which line of the file is wrong and how."""
        if not path.exists():
            return cls()
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SettingsError(f"settings file {path}: cannot read it: {exc}") from exc
        return cls.parse(text, path)

    @classmethod
    def parse(cls, text: str, path: Path) -> Settings:
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"settings file {path}, {_toml_problem(exc)}") from None
        known = {f for f in cls.__dataclass_fields__ if f != "extra"}
        values: dict[str, object] = {}
        for key, value in raw.items():
            if key not in known:
                continue
            problem = _check_value(key, value)
            if problem is not None:
                raise SettingsError(f"settings file {path}, line {_line_of(text, key)}: "
                                    f"{key} {problem}")
            values[key] = tuple(value) if isinstance(value, list) else value
        if "folders" in values:
            values["folders"] = _full_paths(values["folders"], path, _line_of(text, "folders"))
        extra = {k: v for k, v in raw.items() if k not in known}
        return cls(**values, extra=extra)  # type: ignore[arg-type]

    def save(self, path: Path) -> None:
        """Write the settings back as TOML (atomically: a crash leaves the old file)."""
        lines = ["# Smart Gallery settings; see README.md"]
        for name in self.__dataclass_fields__:
            if name == "extra":
                continue
            value = getattr(self, name)
            if value is None:
                continue
            lines.append(f"{name} = {_toml_value(value)}")
        for name, value in self.extra.items():
            lines.append(f"{name} = {_toml_value(value)}")
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".toml.tmp")
        temporary.write_text("\n".join(lines) + "\n", encoding="utf-8")
        temporary.replace(path)


def _runtime_dir() -> Path:
    # Without XDG_RUNTIME_DIR platformdirs falls back to /tmp/runtime-UID with a warning
    # that would be a second line under every error message.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Path(platformdirs.user_runtime_dir(APP_NAME))


# How long the settings file must be left alone before the daemon reads a change.
SETTLE_SECONDS = 0.5


class SettingsFile:
    """The settings file as the daemon follows it: noticed when it changes, read whole."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen: tuple[int, int] | None = None

    def _signature(self) -> tuple[int, int] | None:
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def remember(self) -> None:
        """Take the file as it is now as seen (e.g. after writing it ourselves)."""
        self._seen = self._signature()

    def changed(self, now: float | None = None) -> bool:
        """Whether the file changed since it was last read, and has settled: an editor that
        saves in place truncates the file first, and an empty file read at that moment
        would be settings without folders. A file written less than SETTLE_SECONDS ago is
        left for a later look."""
        signature = self._signature()
        if signature == self._seen:
            return False
        if signature is not None:
            age = (time.time() if now is None else now) - signature[0] / 1e9
            if 0 <= age < SETTLE_SECONDS:
                return False
        self._seen = signature
        return True

    def load(self) -> Settings:
        return Settings.load(self.path)

    def keep_as_last_good(self, copy: Path) -> None:
        """Copy a file that just loaded well (atomically; a failure only costs the copy)."""
        try:
            text = self.path.read_text(encoding="utf-8")
            copy.parent.mkdir(parents=True, exist_ok=True)
            temporary = copy.with_suffix(".tmp")
            temporary.write_text(text, encoding="utf-8")
            temporary.replace(copy)
        except OSError:
            pass


def load_for_daemon(paths: Paths) -> tuple[Settings, str | None]:
    """The settings a daemon starts with, and the error of a malformed file: then the
    last good copy (or the defaults) — the daemon keeps running and says why."""
    settings_file = SettingsFile(paths.settings_file)
    try:
        settings = settings_file.load()
    except SettingsError as exc:
        try:
            fallback = Settings.load(paths.last_good_settings)
        except SettingsError:
            fallback = Settings()
        return fallback, str(exc)
    if paths.settings_file.exists():
        settings_file.keep_as_last_good(paths.last_good_settings)
    return settings, None


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        # JSON string escapes are valid TOML basic-string escapes.
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} to TOML")


class SettingsError(Exception):
    """The settings file exists but cannot be used."""


_CHOICES: dict[str, tuple[str, ...]] = {"model": tuple(MODEL_IDS),
                                        "word_vectors": ("navec", "fasttext")}
_POSITIVE_INTS = ("threads", "batch_size", "detector_size")
_BOOLS = ("index_hidden", "detector", "text", "faces")
_STRINGS = ("model_weights", "fasttext_model")
_STRING_LISTS = ("folders", "excludes")


def _check_value(key: str, value: object) -> str | None:
    """What is wrong with one setting's value (None: nothing), in the words of the error."""
    if key in _CHOICES:
        if value not in _CHOICES[key]:
            return f"must be one of {', '.join(map(repr, _CHOICES[key]))}, not {value!r}"
    elif key in _POSITIVE_INTS:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            return f"must be a whole number of at least 1, not {value!r}"
        if key == "detector_size" and value % 32:
            return f"must be a multiple of 32, not {value}"
    elif key in _BOOLS:
        if not isinstance(value, bool):
            return f"must be true or false, not {value!r}"
    elif key in _STRINGS:
        if not isinstance(value, str):
            return f"must be a string in quotes, not {value!r}"
    elif key in _STRING_LISTS:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return f'must be a list of strings, e.g. ["/home/me/Pictures"], not {value!r}'
    elif key in ("rescan_seconds", "retry_seconds") and (isinstance(value, bool)
                                      or not isinstance(value, int | float) or value <= 0):
        return f"must be a number of seconds above 0, not {value!r}"
    return None


def _full_paths(folders: object, path: Path, line: int | str) -> tuple[str, ...]:
    """The folders as the daemon watches them: «~/Pictures» is the user's, «/a/b/» is
    «/a/b»; a relative path would depend on where the daemon was started."""
    assert isinstance(folders, tuple)
    full = []
    for folder in folders:
        expanded = os.path.expanduser(folder)
        if not os.path.isabs(expanded):
            raise SettingsError(f"settings file {path}, line {line}: folders: {folder!r} is "
                                'not a full path; write it from / or ~, e.g. "~/Pictures"')
        full.append(os.path.normpath(expanded))
    return tuple(full)


def _toml_problem(exc: tomllib.TOMLDecodeError) -> str:
    """"Expected '=' after a key (at line 3, column 7)" -> "line 3, column 7: expected …"."""
    message = str(exc)
    match = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if match is None:
        match = re.search(r"\s*\(at end of document\)$", message)
        where = "at the end"
    else:
        where = f"line {match.group(1)}, column {match.group(2)}"
    problem = message[:match.start()] if match else message
    return f"{where}: {problem[:1].lower()}{problem[1:]}"


def _line_of(text: str, key: str) -> int | str:
    for number, line in enumerate(text.splitlines(), start=1):
        if re.match(rf"\s*{re.escape(key)}\s*=", line):
            return number
    return "?"


def reads_whole_frame(model: str) -> bool:
    """Whether a classifier (its settings name) reads the whole photo rather than its
    centre: EfficientNet-Lite0 does (measured, daemon/signals/classifier.py); ResNet50
    keeps torchvision's centre crop (its weights are not here to measure it)."""
    return model == "efficientnet-lite0"


def classifier_model_id(settings: Settings) -> str:
    """The id the classifier's rows are stored under with these settings."""
    base = model_id(settings.model)
    return base + WHOLE_FRAME_SUFFIX if reads_whole_frame(settings.model) else base


def model_id(name: str) -> str:
    """The stored id of a tagger named in settings; ValueError for an unknown name."""
    try:
        return MODEL_IDS[name]
    except KeyError:
        raise ValueError(
            f"unknown model {name!r}; choose one of: {', '.join(MODEL_IDS)}") from None
