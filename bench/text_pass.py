"""The text pass (Tesseract, daemon/index/later_pass.py): how many photos its gate sends to
OCR, how much text the gate misses, and how fast the pass reads.

    python bench/text_pass.py [--db INDEX] [--skip-misses] [--photos 40] [--screenshots 30]
                              [--cache /tmp/smart-gallery-text-pass-ocr.json]

1. gate share: the 899 COCO photos indexed (first pass, default settings, as `index` does;
   into a temporary index, or into --db to reuse one), then the gate of each asked exactly
   as TextPass asks it (decoded at READ_MIN_SIDE, the rows found in the store, FileHints from
   the store's facts): the share sent to OCR and by which reason (the first that fires).
2. gate misses (--skip-misses: not run): Tesseract on all 899 photos whatever the gate says
   (two processes, OMP_THREAD_LIMIT=1, a few minutes; cached in --cache by file name, so a
   rerun is quick). A photo has text when TextSignal.kinds gives it «текст» (real words, not
   a stray one). The gate's recall on those photos, and the words in the photos it misses
   against those it sends. Then the 285 captioned photos: those whose captions speak of text
   (CAPTION_TEXT below, in at least one caption of five; decided before looking at the
   results) and how many of them the gate sends.
3. throughput on the 12 MP bench: --photos 12-MP JPEGs made from COCO photos as
   bench/index_speed.py makes them, the first pass, then TextPass.run timed: photos/s, and
   ms a photo read by Tesseract against one the gate passed by.
4. throughput on screenshots: --screenshots PNGs rendered at real screen sizes (UI-like
   text in DejaVu Sans, Russian and English lines, buttons, light and dark), first pass,
   TextPass.run timed, and the share of the rendered words read back (word recall).
5. the first pass's photos/s from step 3 (one run on few photos, after a warm-up batch;
   bench/index_speed.py gives the real figure, target >= 30 photos/s on this 2-core machine).

Each figure is a JSON line and a one-line summary.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from common import COCO, ROOT, make_large_jpegs, peak_rss_mb, wrap_words
from PIL import Image, ImageDraw, ImageFont

from daemon.config import Settings
from daemon.index.indexer import Indexer
from daemon.index.later_pass import TextPass
from daemon.index.scan import ScanOptions
from daemon.index.store import Store
from daemon.signals import Signal, later_specs, load_signals
from daemon.signals.decode import DecodeError, decode_bytes, read_file
from daemon.signals.metadata import FactsReader
from daemon.signals.ocr import OcrError, Tesseract, TextLine
from daemon.signals.text import READ_MIN_SIDE, FileHints, TextSignal, TextUnavailable

DEFAULT_CACHE = Path(tempfile.gettempdir()) / "smart-gallery-text-pass-ocr.json"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
REASONS = ("screenshot", "text found", "classifier", "detector", "paper")
# A caption speaks of text when it names one of these (as a word, any case).
CAPTION_TEXT = re.compile(r"\b(signs?|texts?|words?|written|writing|reads|letters?|lettering"
                          r"|menus?|newspapers?|books?)\b", re.IGNORECASE)
WORD = re.compile(r"[0-9A-Za-zА-Яа-яЁё]+")  # as TextSignal.kinds counts words
SEED = 20240611


@dataclass
class Gated:
    """One indexed photo and what the gate said of it."""

    path: str
    reason: str  # "" when the gate passes it by
    found: dict[str, object]
    hints: FileHints


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="an index of the COCO photos to reuse "
                        "(indexed into first if it lacks some)")
    parser.add_argument("--skip-misses", action="store_true",
                        help="do not run Tesseract on every COCO photo (step 2)")
    parser.add_argument("--photos", type=int, default=40, help="12-MP JPEGs for step 3")
    parser.add_argument("--screenshots", type=int, default=30, help="screenshots for step 4")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE,
                        help="where step 2 keeps Tesseract's readings of the COCO photos")
    args = parser.parse_args()

    os.environ["OMP_THREAD_LIMIT"] = "1"  # as the daemon runs the pass (ocr.one_thread)
    settings = Settings()
    signal = text_signal(settings)
    signals = load_signals(settings)

    with tempfile.TemporaryDirectory(prefix="smart-gallery-text-pass-") as tmp:
        db = args.db or Path(tmp) / "coco.sqlite3"
        # The gate the pass runs (the text detector), beside the blinder one that stands in
        # where the detector is missing (what the models saw, the look of paper).
        blind = TextSignal(signal.tesseract, signal.lemma, signal.classifier,
                           signal.detector, finder=None)
        for label, gate in (("the text detector", signal), ("models and paper only", blind)):
            print(f"== gate: {label}")
            with Store(db) as store:
                index(store, signals, settings, (COCO / "images").resolve())
                gated, gate_seconds = gate_all(store, gate)
            report_gate(gated, gate_seconds)
            if not args.skip_misses:
                readings, ocr_seconds = read_all(gated, gate.tesseract, args.cache)
                report_misses(gated, readings, ocr_seconds, gate)
        first_rate = large_photos(args.photos, signals, settings, signal, Path(tmp))
        screenshots(args.screenshots, signals, settings, signal, Path(tmp))
    print(json.dumps({"figure": "first_pass", "photos_per_second": round(first_rate, 1),
                      "photos": args.photos, "target": 30,
                      "peak_rss_mb": round(peak_rss_mb())}))
    print(f"first pass: {first_rate:.1f} photos/s on {args.photos} 12 MP JPEGs, one run "
          f"(target >= 30 on 2 cores: {'OK' if first_rate >= 30 else 'BELOW TARGET'}); "
          "the real figure is bench/index_speed.py's")


def text_signal(settings: Settings) -> TextSignal:
    """The later pass's signal, built as `index` builds it."""
    for spec in later_specs(settings):
        try:
            signal = spec.build(settings, None)
        except TextUnavailable as exc:
            sys.exit(f"the text signal cannot run here: {exc}")
        if isinstance(signal, TextSignal):
            return signal
    sys.exit("the settings ask for no text signal")


def index(store: Store, signals: list[Signal], settings: Settings, folder: Path) -> float:
    """The first pass over folder as `index` runs it (with the facts); its photos/s."""
    indexer = Indexer(store, signals, settings.batch_size, facts=FactsReader.load())
    started = time.perf_counter()
    report = indexer.index_folder(folder, ScanOptions(settings.excludes, settings.index_hidden))
    seconds = time.perf_counter() - started
    return report.tagged / seconds if report.tagged else 0.0


# --- 1. the gate on the COCO photos ----------------------------------------------------------
def gate_all(store: Store, signal: TextSignal) -> tuple[dict[str, Gated], float]:
    """Each photo of the store -> what the gate says of it, asked as TextPass asks it; and
    the seconds spent decoding and gating."""
    gated = {}
    started = time.perf_counter()
    for _, path, _, content_hash in store.photo_files():
        try:
            photo = decode_bytes(read_file(Path(path)), content_hash, min_side=READ_MIN_SIDE)
        except DecodeError:
            continue
        found = {m: tags for m in signal.needs
                 if (tags := store.tags_of(path, m)) is not None}
        facts = store.facts_of(path)
        hints = FileHints(camera=facts.camera if facts is not None else "")
        gated[Path(path).name] = Gated(path, signal.worth_reading(photo, found, hints),
                                       found, hints)
    return gated, time.perf_counter() - started


def report_gate(gated: Mapping[str, Gated], seconds: float) -> None:
    reasons = Counter(g.reason for g in gated.values() if g.reason)
    sent = sum(reasons.values())
    share = sent / max(1, len(gated))
    print(json.dumps({"figure": "gate_share", "photos": len(gated), "sent": sent,
                      "share": round(share, 4),
                      "by_reason": {r: reasons.get(r, 0) for r in REASONS},
                      "decode_and_gate_ms": round(1000 * seconds / max(1, len(gated)), 1)}))
    print(f"gate: sends {sent} of {len(gated)} COCO photos to OCR ({share:.1%}): "
          + ", ".join(f"{r} {reasons.get(r, 0)}" for r in REASONS)
          + f"; decode at {READ_MIN_SIDE} + gate {1000 * seconds / max(1, len(gated)):.1f} ms "
          "a photo")


# --- 2. what the gate misses ------------------------------------------------------------------
_tesseract: Tesseract | None = None


def _init_worker(tesseract: Tesseract) -> None:
    global _tesseract
    os.environ["OMP_THREAD_LIMIT"] = "1"
    _tesseract = tesseract


def _read_one(path: str) -> tuple[str, dict[str, object]]:
    """One photo decoded as the pass decodes it, read by Tesseract (in a worker)."""
    assert _tesseract is not None
    started = time.perf_counter()
    try:
        photo = decode_bytes(read_file(Path(path)), min_side=READ_MIN_SIDE)
        lines = _tesseract.read(photo.image)
        error = ""
    except (DecodeError, OcrError) as exc:
        lines, error = [], str(exc)
    return Path(path).name, {"lines": [[line.text, list(line.box), line.confidence]
                                       for line in lines],
                             "seconds": round(time.perf_counter() - started, 3),
                             "error": error}


def read_all(gated: Mapping[str, Gated], tesseract: Tesseract, cache: Path
             ) -> tuple[dict[str, dict], float]:
    """Tesseract's reading of every photo (name -> lines, seconds, error), from the cache
    where it has them; and the wall seconds spent reading the rest."""
    readings: dict[str, dict] = {}
    if cache.exists():
        kept = json.loads(cache.read_text(encoding="utf-8"))
        if kept.get("reader") == tesseract.model_id and kept.get("min_side") == READ_MIN_SIDE:
            readings = kept["photos"]
    todo = [g.path for name, g in gated.items() if name not in readings]
    started = time.perf_counter()
    if todo:
        print(f"reading {len(todo)} photos with Tesseract (2 processes)…", file=sys.stderr,
              flush=True)
        context = multiprocessing.get_context("spawn")  # the models stay in this process
        with context.Pool(2, initializer=_init_worker, initargs=(tesseract,)) as pool:
            for done, (name, reading) in enumerate(pool.imap_unordered(_read_one, todo), 1):
                readings[name] = reading
                if done % 50 == 0 or done == len(todo):
                    _save(cache, tesseract, readings)
                    print(f"\r  {done}/{len(todo)}", end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)
    return readings, time.perf_counter() - started if todo else 0.0


def _save(cache: Path, tesseract: Tesseract, readings: Mapping[str, dict]) -> None:
    partial = cache.with_suffix(".part")
    partial.write_text(json.dumps({"reader": tesseract.model_id, "min_side": READ_MIN_SIDE,
                                   "photos": dict(sorted(readings.items()))},
                                  ensure_ascii=False), encoding="utf-8")
    partial.replace(cache)


def _lines(reading: Mapping[str, object]) -> tuple[TextLine, ...]:
    return tuple(TextLine(text, tuple(box), confidence)  # type: ignore[arg-type]
                 for text, box, confidence in reading["lines"])  # type: ignore[attr-defined]


def _words(lines: Iterable[TextLine]) -> int:
    return sum(len(WORD.findall(line.text)) for line in lines)


def report_misses(gated: Mapping[str, Gated], readings: Mapping[str, dict],
                  ocr_seconds: float, signal: TextSignal) -> None:
    with_text: dict[str, int] = {}  # name -> words, of the photos with text
    for name, g in gated.items():
        lines = _lines(readings[name])
        if not lines:
            continue
        photo = decode_bytes(read_file(Path(g.path)), min_side=READ_MIN_SIDE)
        if "текст" in signal.kinds(lines, photo, g.found, g.hints):
            with_text[name] = _words(lines)
    sent = {n: w for n, w in with_text.items() if gated[n].reason}
    missed = {n: w for n, w in with_text.items() if not gated[n].reason}
    recall = len(sent) / max(1, len(with_text))
    words_sent, words_missed = sum(sent.values()), sum(missed.values())
    word_share_missed = words_missed / max(1, words_sent + words_missed)
    sent_all = [n for n, g in gated.items() if g.reason]
    precision = len(sent) / max(1, len(sent_all))
    ocr_ms = [1000 * r["seconds"] for r in readings.values() if r["seconds"]]
    examples = [{"photo": n, "words": w, "text": " / ".join(
        line.text for line in _lines(readings[n]))[:100]}
        for n, w in sorted(missed.items(), key=lambda item: -item[1])[:8]]
    print(json.dumps({
        "figure": "gate_misses", "photos": len(gated), "with_text": len(with_text),
        "sent": len(sent), "missed": len(missed), "recall": round(recall, 3),
        "words_sent": words_sent, "words_missed": words_missed,
        "median_words_sent": statistics.median(sent.values()) if sent else 0,
        "median_words_missed": statistics.median(missed.values()) if missed else 0,
        "word_share_missed": round(word_share_missed, 3),
        "sent_with_text_share": round(precision, 3),
        "errors": sum(1 for r in readings.values() if r["error"]),
        "ocr_ms_median": round(statistics.median(ocr_ms)) if ocr_ms else None,
        "ocr_wall_seconds": round(ocr_seconds, 1), "missed_examples": examples},
        ensure_ascii=False))
    print(f"gate misses: Tesseract finds text in {len(with_text)} of {len(gated)} COCO photos; "
          f"the gate sends {len(sent)} of them and misses {len(missed)} (recall "
          f"{recall:.0%}); words in the missed {words_missed} vs the sent {words_sent} "
          f"({word_share_missed:.0%} of the words missed); {precision:.0%} of the "
          f"{len(sent_all)} photos it sends have text")
    captions = json.loads((COCO / "captions.json").read_text(encoding="utf-8"))
    captioned = [n for n in captions if n in gated]
    mentions = {n: sum(bool(CAPTION_TEXT.search(c)) for c in captions[n]) for n in captioned}
    speak = [n for n, k in mentions.items() if k >= 1]
    speak2 = [n for n, k in mentions.items() if k >= 2]
    sent_speak = [n for n in speak if gated[n].reason]
    sent_speak2 = [n for n in speak2 if gated[n].reason]
    read_speak = [n for n in speak if n in with_text]
    print(json.dumps({"figure": "gate_captions", "captioned": len(captioned),
                      "captions_speak_of_text": len(speak), "sent": len(sent_speak),
                      "recall": round(len(sent_speak) / max(1, len(speak)), 3),
                      "tesseract_finds_text": len(read_speak),
                      "in_two_captions": len(speak2), "in_two_sent": len(sent_speak2),
                      "not_sent": sorted(set(speak) - set(sent_speak))}))
    print(f"gate by captions: {len(speak)} of {len(captioned)} captioned photos have a caption "
          f"speaking of text (sign, words, menu, book…); the gate sends {len(sent_speak)} "
          f"(recall {len(sent_speak) / max(1, len(speak)):.0%}; {len(sent_speak2)} of the "
          f"{len(speak2)} named in two captions or more); Tesseract finds text in "
          f"{len(read_speak)} of them")


# --- 3 and 4. throughput --------------------------------------------------------------------
def timed_pass(store: Store, signal: TextSignal) -> dict[str, object]:
    """TextPass.run over every photo of the store, timed photo by photo."""
    spans: list[tuple[str, float]] = []
    last = [0.0]

    def on_read(photo_id: int, path: str, text: str | None) -> None:
        now = time.perf_counter()
        spans.append((path, now - last[0]))
        last[0] = now

    text_pass = TextPass(store, signal, on_read=on_read)
    last[0] = time.perf_counter()
    report = text_pass.run()
    read = [s for path, s in spans if store.text_of(path) is not None]  # "" when read empty
    passed = [s for path, s in spans if store.text_of(path) is None]
    done = report.read + report.passed + report.copied
    return {"photos": done, "read": report.read, "passed": report.passed,
            "copied": report.copied, "failed": report.failed, "with_text": report.with_text,
            "seconds": round(report.seconds, 2),
            "photos_per_second": round(done / report.seconds, 2) if report.seconds else None,
            "ms_per_photo": round(1000 * report.seconds / max(1, done), 1),
            "ms_per_read": round(1000 * statistics.fmean(read), 1) if read else None,
            "ms_per_passed": round(1000 * statistics.fmean(passed), 1) if passed else None}


def large_photos(count: int, signals: list[Signal], settings: Settings, signal: TextSignal,
                 tmp: Path) -> float:
    """Step 3; the first pass's photos/s."""
    sources = make_large_jpegs(ROOT / "bench" / "out" / "large_jpegs", count)
    folder = tmp / "large"
    folder.mkdir()
    for source in sources:  # the cache folder may hold more photos than asked for
        try:
            os.link(source, folder / source.name)
        except OSError:
            shutil.copyfile(source, folder / source.name)
    warm = tmp / "warm"  # the models' first runs are slow: not in the figure
    warm.mkdir()
    for source in sources[:settings.batch_size]:
        shutil.copyfile(source, warm / source.name)
    with Store(tmp / "warm.sqlite3") as store:
        index(store, signals, settings, warm)
    with Store(tmp / "large.sqlite3") as store:
        first_rate = index(store, signals, settings, folder)
        figures = timed_pass(store, signal)
    print(json.dumps({"figure": "pass_12mp", "megapixels": 12, **figures}))
    print(f"text pass, 12 MP JPEGs: {figures['photos_per_second']} photos/s "
          f"({figures['ms_per_photo']} ms a photo; {figures['read']} read by Tesseract at "
          f"{figures['ms_per_read']} ms, {figures['passed']} passed by the gate at "
          f"{figures['ms_per_passed']} ms), text in {figures['with_text']}")
    return first_rate


def screenshots(count: int, signals: list[Signal], settings: Settings, signal: TextSignal,
                tmp: Path) -> None:
    """Step 4."""
    folder = tmp / "screenshots"
    folder.mkdir()
    rng = random.Random(SEED)
    truth: dict[str, list[str]] = {}
    sizes: Counter[str] = Counter()
    for i in range(count):
        width, height = SCREEN_SIZES[i % len(SCREEN_SIZES)]
        image, words = render_screenshot(width, height, dark=i % 3 == 2, rng=rng)
        path = folder / f"Screenshot_{i:02d}_{width}x{height}.png"
        image.save(path)
        truth[str(path.resolve())] = words
        sizes[f"{width}x{height}"] += 1
    with Store(tmp / "screenshots.sqlite3") as store:
        index(store, signals, settings, folder.resolve())
        figures = timed_pass(store, signal)
        found = wanted = 0
        for path, words in truth.items():
            read = Counter(_normal(WORD.findall(store.text_of(path) or "")))
            want = Counter(_normal(words))
            found += sum((want & read).values())
            wanted += sum(want.values())
    recall = found / max(1, wanted)
    print(json.dumps({"figure": "pass_screenshots", **figures, "words": wanted,
                      "words_read": found, "word_recall": round(recall, 3),
                      "sizes": dict(sizes)}))
    print(f"text pass, {count} screenshots: {figures['photos_per_second']} photos/s "
          f"({figures['ms_per_photo']} ms a photo, {figures['read']} read), word recall "
          f"{recall:.0%} ({found} of {wanted} rendered words read back)")


def _normal(words: Iterable[str]) -> list[str]:
    """Words as compared: lower case, ё as е, of two characters at least (the OCR keeps no
    one-letter words)."""
    return [w.lower().replace("ё", "е") for w in words if len(w) >= 2]


# --- screenshots rendered ---------------------------------------------------------------------
SCREEN_SIZES = ((1920, 1080), (1080, 2340), (1366, 768), (1440, 900), (1170, 2532),
                (2560, 1440), (1080, 2400), (1536, 864), (1280, 800), (750, 1334))
TITLES = ("Почта — Входящие", "Inbox — Mail", "Документы", "Calendar", "Мои заказы",
          "Settings", "Сообщения", "Photos — Library", "Банк: счета и карты", "Weather")
MENU = ("Главная", "Поиск", "Сообщения", "Файлы", "Настройки", "Избранное", "Home",
        "Search", "Messages", "Files", "Settings", "Favourites")
BUTTONS = ("Сохранить", "Отмена", "Отправить", "Далее", "Войти", "Оплатить", "Save",
           "Cancel", "Send", "Next", "Sign in", "Continue")
SENTENCES = (
    "Настройки профиля и безопасности обновлены.",
    "Последние изменения сохранены автоматически.",
    "Отправить отчёт руководителю до пятницы.",
    "Встреча перенесена на вторник в десять утра.",
    "Оплата прошла успешно, спасибо за покупку!",
    "Новые сообщения от Марии и Алексея.",
    "Загрузка файлов завершена без ошибок.",
    "Проверьте адрес доставки перед оформлением заказа.",
    "Сегодня в Москве облачно, плюс двенадцать градусов.",
    "Резервная копия фотографий создана вчера вечером.",
    "Введите пароль ещё раз и нажмите кнопку ниже.",
    "Список покупок: молоко, хлеб, яблоки и сыр.",
    "Билеты на поезд до Казани забронированы на 14 мая.",
    "Ваш заказ 4815 передан в службу доставки.",
    "Account settings and privacy were updated.",
    "Your changes have been saved automatically.",
    "The meeting moved to Tuesday at ten o'clock.",
    "Download complete, no errors were found.",
    "Check the delivery address before you place the order.",
    "New messages from Anna and Peter are waiting.",
    "Weather today: cloudy, twelve degrees, light wind.",
    "The backup of your photos finished last night.",
    "Enter your password again and press the button below.",
    "Shopping list: milk, bread, apples and cheese.",
    "Train tickets to Boston are booked for May 14.",
    "Your order 4815 has been shipped today.",
)


def render_screenshot(width: int, height: int, dark: bool, rng: random.Random
                      ) -> tuple[Image.Image, list[str]]:
    """A screenshot-like picture of a desktop window or a phone app, and the words on it."""
    phone = height > width
    scale = 3.0 if phone else (1.5 if width >= 2560 else 1.0)  # the screen's UI scaling
    bg, fg, muted, panel, accent = (
        ((32, 33, 36), (232, 234, 237), (154, 160, 166), (48, 49, 52), (138, 180, 248))
        if dark else
        ((255, 255, 255), (32, 33, 36), (95, 99, 104), (241, 243, 244), (26, 115, 232)))
    image = Image.new("RGB", (width, height), bg)
    draw = ImageDraw.Draw(image)
    words: list[str] = []

    def font(size: float, bold: bool = False) -> ImageFont.FreeTypeFont:
        return ImageFont.truetype(str(BOLD if bold else FONT), round(size * scale))

    def text(xy: tuple[float, float], line: str, face: ImageFont.FreeTypeFont,
             colour: tuple[int, int, int]) -> None:
        draw.text(xy, line, font=face, fill=colour)
        words.extend(WORD.findall(line))

    def button(x: float, y: float, label: str, filled: bool) -> float:
        face = font(14, bold=True)
        w = face.getlength(label) + 32 * scale
        h = 36 * scale
        draw.rounded_rectangle((x, y, x + w, y + h), radius=round(6 * scale),
                               fill=accent if filled else None, outline=accent,
                               width=max(1, round(scale)))
        text((x + 16 * scale, y + 9 * scale), label, face, bg if filled else accent)
        return x + w + 12 * scale

    pad = 16 * scale
    bar = 48 * scale
    draw.rectangle((0, 0, width, bar), fill=panel)  # the title bar / app bar
    if phone:
        text((pad, 6 * scale), f"{rng.randint(8, 23)}:{rng.randint(0, 59):02d}", font(12),
             muted)
        top = bar + 8 * scale
        text((pad, top), rng.choice(TITLES), font(22, bold=True), fg)
        left, right, y = pad, width - pad, top + 48 * scale
    else:
        text((pad, 14 * scale), rng.choice(TITLES), font(15, bold=True), fg)
        for i in range(3):  # window buttons
            cx = width - pad - i * 28 * scale
            draw.ellipse((cx - 7 * scale, bar / 2 - 7 * scale, cx + 7 * scale,
                          bar / 2 + 7 * scale), fill=muted)
        side = 220 * scale
        draw.rectangle((0, bar, side, height), fill=panel)
        y = bar + pad
        for item in rng.sample(MENU, 6):
            draw.rounded_rectangle((pad, y, pad + 18 * scale, y + 18 * scale),
                                   radius=round(4 * scale), fill=muted)  # an icon
            text((pad + 28 * scale, y), item, font(14), fg)
            y += 36 * scale
        left, right, y = side + 2 * pad, width - 2 * pad, bar + 2 * pad
    while y < height - 140 * scale:
        kind = rng.random()
        if kind < 0.2:  # a heading, wrapped to the column
            face = font(20, bold=True)
            for line in _wrap(rng.choice(SENTENCES).rstrip(".!"), face, right - left):
                text((left, y), line, face, fg)
                y += 28 * scale
            y += 12 * scale
        elif kind < 0.35:  # a row of buttons
            x = left
            for i, label in enumerate(rng.sample(BUTTONS, 2 if phone else 3)):
                x = button(x, y, label, filled=i == 0)
            y += 56 * scale
        elif kind < 0.5:  # a picture or a card without text
            h = rng.uniform(60, 160) * scale
            draw.rounded_rectangle((left, y, min(right, left + rng.uniform(200, 600) * scale),
                                    y + h), radius=round(8 * scale),
                                   fill=tuple(rng.randint(60, 200) for _ in range(3)))
            y += h + 16 * scale
        else:  # a paragraph, wrapped to the column, a secondary line under it
            face = font(15)
            lines = _wrap(" ".join(rng.sample(SENTENCES, rng.randint(1, 3))), face,
                          right - left)
            for line in lines:
                if y >= height - 140 * scale:
                    break
                text((left, y), line, face, fg)
                y += 22 * scale
            if y < height - 140 * scale:
                text((left, y + 2 * scale), f"{rng.randint(1, 28)}.{rng.randint(1, 12):02d}"
                     f".2024 · {rng.choice(MENU)}", font(12), muted)
                y += 40 * scale
    return image, words


def _wrap(paragraph: str, face: ImageFont.FreeTypeFont, width: float) -> list[str]:
    return wrap_words(paragraph, face, width)


if __name__ == "__main__":
    main()
