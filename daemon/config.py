"""Where Smart Gallery keeps its files, and the user's settings (a TOML file)."""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

import platformdirs

APP_NAME = "smart-gallery"

PHOTO_EXTENSIONS = frozenset(
    {".jpg", ".jpeg", ".jpe", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".heic", ".heif"}
)

# Settings name of a tagger -> the id stored with each photo's tags.
MODEL_IDS = {"efficientnet-lite0": "efficientnet-lite0", "resnet50": "resnet50-imagenet1k-v2"}

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
                Path(platformdirs.user_runtime_dir(APP_NAME)),
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
    detector_size: int = 384  # input side in pixels, a multiple of 32 (see daemon/detector.py)
    # How often the daemon looks at offline folders and folders it could not watch.
    rescan_seconds: float = 30.0
    extra: dict[str, object] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Settings:
        if not path.exists():
            return cls()
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(f"cannot read settings file {path}: {exc}") from exc
        known = {f for f in cls.__dataclass_fields__ if f != "extra"}
        values: dict[str, object] = {}
        for key, value in raw.items():
            if key in known:
                values[key] = tuple(value) if isinstance(value, list) else value
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


def tag_sources(settings: Settings) -> dict[str, int]:
    """The model ids whose tags a search reads -> where their classes start
    (daemon/classes.py): the ImageNet tagger, and the detector when it is on."""
    from daemon.classes import DETECTOR_OFFSET
    from daemon.detector import detector_model_id

    sources = {model_id(settings.model): 0}
    if settings.detector:
        sources[detector_model_id(settings.detector_size)] = DETECTOR_OFFSET
    return sources


def model_id(name: str) -> str:
    """The stored id of a tagger named in settings; ValueError for an unknown name."""
    try:
        return MODEL_IDS[name]
    except KeyError:
        raise ValueError(
            f"unknown model {name!r}; choose one of: {', '.join(MODEL_IDS)}") from None
