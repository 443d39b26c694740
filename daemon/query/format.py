"""Dates as a Russian reader expects them, for the CLI and the popup."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from daemon.index.store import PhotoFacts
    from daemon.places import Gazetteer

MONTHS_GENITIVE = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
                   "сентября", "октября", "ноября", "декабря")


def format_taken(taken: datetime | str | None, guessed: bool = False,
                 with_time: bool = True) -> str:
    """«12 июля 2023, 18:03»; a date that is only the file's: «≈ 12 июля 2023 (дата файла)»;
    '' when unknown. Accepts what the socket carries (an ISO string) as well."""
    if taken is None or taken == "":
        return ""
    when = datetime.fromisoformat(taken) if isinstance(taken, str) else taken
    text = f"{when.day} {MONTHS_GENITIVE[when.month - 1]} {when.year}"
    if guessed:
        return f"≈ {text} (дата файла)"
    return f"{text}, {when:%H:%M}" if with_time else text


def describe_facts(facts: PhotoFacts, gazetteer: Gazetteer) -> dict[str, object]:
    """A photo's facts for `tags` and the socket's photo.tags: when (ISO and in words),
    where (in Russian and as GPS), with what camera."""
    taken = facts.taken.isoformat(timespec="seconds") if facts.taken else None
    offset = ""
    if facts.offset_minutes is not None and not facts.guessed:
        sign = "+" if facts.offset_minutes >= 0 else "-"
        hours, minutes = divmod(abs(facts.offset_minutes), 60)
        offset = f"{sign}{hours:02d}:{minutes:02d}"
    text = format_taken(facts.taken, facts.guessed)
    gps = ""
    if facts.latitude is not None and facts.longitude is not None:
        gps = f"{facts.latitude:.5f}, {facts.longitude:.5f}"
    return {"taken": taken, "taken_guessed": facts.guessed, "utc_offset": offset,
            "taken_text": f"{text} (UTC{offset})" if offset else text,
            "place": gazetteer.label(facts.city_id, facts.region_key, facts.country_code),
            "gps": gps, "camera": facts.camera}
