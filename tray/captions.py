"""What the popup says, from the daemon's answers: captions, chips, times, tags. No Tk here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

CHIP_CHARS = 40
HINTS = "Enter — открыть · Пробел — просмотр · Ctrl+Enter — похожие · Esc — закрыть"
PREVIEW_HINTS = "← → — соседние фото · Enter — открыть · Пробел или Esc — назад к результатам"
TAG_MIN_PROB = 0.05  # the classifier's tags below this are noise to a person
DETECTOR_MIN_PROB = 0.3
TAGS_SHOWN = 6
TEXT_SHOWN = 120  # characters of the text read in a photo that the preview shows


@dataclass(frozen=True)
class Chip:
    """One part of what the search understood; kind: what / without / when / where / unknown."""

    text: str
    kind: str


def shorten_middle(text: str, limit: int) -> str:
    """«IMG_2023071…на_даче.jpg»: the start and the end (with the extension) stay."""
    if len(text) <= limit:
        return text
    keep = limit - 1
    head = (keep + 1) // 2
    return f"{text[:head]}…{text[len(text) - (keep - head):]}"


def _shorten_end(text: str, limit: int = CHIP_CHARS) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def town(place: str | None) -> str:
    """«Сочи» of «Сочи, Краснодарский край, Россия»."""
    return (place or "").split(",")[0].strip()


def short_date(taken: str | None, guessed: bool = False) -> str:
    """«20.01.2024»; «≈ 20.01.2024» when it is only the file's date; '' when unknown."""
    if not taken:
        return ""
    return ("≈ " if guessed else "") + f"{datetime.fromisoformat(taken):%d.%m.%Y}"


def when_where(result: dict[str, Any]) -> str:
    """The line under a thumbnail's name: «20.01.2024 · Сочи» (its score if neither)."""
    parts = [short_date(result.get("taken"), result.get("taken_guessed", False)),
             town(result.get("place"))]
    return " · ".join(p for p in parts if p) or f"оценка {result['score']:.2f}"


def understood_chips(answer: dict[str, Any]) -> list[Chip]:
    """The search's reading, in parts: what, «без», «когда», «где», «не понято»."""
    chips = []
    if answer.get("read_as"):  # typed in the English layout
        chips.append(Chip(f"как «{answer['read_as']}»", "what"))
    concepts = answer.get("concepts", [])
    chips += [Chip(_shorten_end(c["understood"]), "what") for c in concepts if not c["excluded"]]
    chips += [Chip(_shorten_end(f"без: {c['understood']}"), "without")
              for c in concepts if c["excluded"]]
    if answer.get("time"):
        chips.append(Chip(_shorten_end(f"когда: {answer['time']}"), "when"))
    if answer.get("places"):
        chips.append(Chip(_shorten_end(f"где: {' или '.join(answer['places'])}"), "where"))
    if answer.get("unknown"):
        chips.append(Chip(_shorten_end(f"не понято: {', '.join(answer['unknown'])}"),
                          "unknown"))
    return chips


def elapsed_text(seconds: float) -> str:
    """«42 мс», «1,3 с»."""
    if seconds < 1:
        return f"{max(1, round(seconds * 1000))} мс"
    return f"{seconds:.1f} с".replace(".", ",")


def tag_lines(answer: dict[str, Any]) -> list[str]:
    """A photo's tags from `photo.tags` for a person, likeliest first, «школьный автобус
    98 %»: the classifier's likely ones and the objects the detector found."""
    tags = answer.get("tags") or []
    chosen = [t for t in tags if t["prob"] >= TAG_MIN_PROB][:TAGS_SHOWN] or tags[:1]
    names = {t["russian"] for t in chosen}
    for found in answer.get("detector") or []:
        if found["prob"] >= DETECTOR_MIN_PROB and found["russian"] not in names:
            chosen.append(found)
            names.add(found["russian"])
    for kind in answer.get("text_kinds") or []:  # «чек», «скриншот»: what the text is
        if kind["prob"] >= DETECTOR_MIN_PROB and kind["russian"] not in names:
            chosen.append(kind)
            names.add(kind["russian"])
    chosen.sort(key=lambda t: -t["prob"])
    lines = [f"{t['russian']} {round(t['prob'] * 100)} %" for t in chosen]
    text = " ".join(str(answer.get("text") or "").split())
    if text:  # the text read in the photo, its beginning
        lines.append(f"Текст: «{text[:TEXT_SHOWN]}{'…' if len(text) > TEXT_SHOWN else ''}»")
    return lines
