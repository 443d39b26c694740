"""The words of colours and light (data/colours.tsv) and the names of the colour concepts.

A row names a colour term of daemon/signals/colours.py (красный … чёрный), or what a photo
as a whole is (bw, sepia, night, sunset, sunny, dull, colourful), and the words people type
for it: the basic term, its diminutive, the shades it covers (алый → красный, бирюзовый →
голубой). The concept "-" lists words that only say "colour" («машина красного цвета»).
Words are matched by lemma, so every form and agreement reads the same («красную»,
«красного», «красные» → красный).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from daemon.query.vocab import DATA_DIR, ClassEntry, VocabularyError, _read_tsv, _split
from daemon.signals.colours import (
    ENGLISH,
    PHOTO_CONCEPTS,
    TERMS,
    object_concept,
    photo_concept,
)

FILLER = "-"
# How the search names what a photo as a whole is.
PHOTO_NAMES = {"bw": "чёрно-белое фото", "sepia": "сепия", "night": "ночь",
               "sunset": "закат", "sunny": "солнечно", "dull": "пасмурно",
               "colourful": "разноцветное"}

PHOTO_ENGLISH = {"bw": "black and white", "sepia": "sepia", "night": "night",
                 "sunset": "sunset", "sunny": "sunny", "dull": "dull light",
                 "colourful": "colourful"}


@dataclass(frozen=True)
class ColourWord:
    text: str  # the word as the file has it
    concept: str  # a term of TERMS, a name of PHOTO_CONCEPTS, or FILLER
    # what the photo as a whole is: things whose presence rules it out (a sunset is not
    # seen in a bathroom, whatever the colour of its walls), by name or group word
    unless: tuple[str, ...] = ()
    also: str | None = None  # a second colour term: «красно-белый» is red and white

    @property
    def also_term(self) -> int | None:
        return TERMS.index(self.also) if self.also in TERMS else None

    @property
    def term(self) -> int | None:
        """The colour term's index, for a colour (one that can describe a thing)."""
        return TERMS.index(self.concept) if self.concept in TERMS else None

    @property
    def is_filler(self) -> bool:
        return self.concept == FILLER


# «красно-белый», «чёрно-белая» (before a thing), «сине-жёлтый»: the first part of a
# compound of two colours -> its term.
COMPOUND_FIRST = {"красно": "красный", "оранжево": "оранжевый", "жёлто": "жёлтый",
                  "желто": "жёлтый", "зелёно": "зелёный", "зелено": "зелёный",
                  "голубо": "голубой", "сине": "синий", "фиолетово": "фиолетовый",
                  "розово": "розовый", "коричнево": "коричневый", "бело": "белый",
                  "серо": "серый", "чёрно": "чёрный", "черно": "чёрный", "рыже": "оранжевый"}
# «ярко-зелёный», «тёмно-жёлтую», «бледно-розовый»: a shade of the colour it names. The
# file's own words come first («светло-синий» is голубой, not синий).
SHADE_PREFIXES = ("ярко", "тёмно", "темно", "светло", "бледно", "нежно", "насыщенно")


def load_colour_words(data_dir: Path = DATA_DIR) -> list[ColourWord]:
    words = []
    for row in _read_tsv(data_dir / "colours.tsv"):
        concept = row["concept"].strip()
        if concept not in TERMS and concept not in PHOTO_CONCEPTS and concept != FILLER:
            raise VocabularyError(f"colours.tsv: unknown concept {concept!r}")
        unless = tuple(_split(row.get("unless") or ""))
        if unless and concept not in PHOTO_CONCEPTS:
            raise VocabularyError(f"colours.tsv: only what a photo is can be ruled out "
                                  f"({concept!r})")
        for word in (*_split(row["words"]), *_split(row["english"] or "")):
            words.append(ColourWord(word, concept, unless))
    listed = {w.text for w in words}
    shades = [ColourWord(f"{prefix}-{w.text}", w.concept) for w in words
              if w.term is not None and w.text.isalpha() and not w.text.isascii()
              for prefix in SHADE_PREFIXES if f"{prefix}-{w.text}" not in listed]
    second = [w for w in words if w.term is not None and w.text.isalpha()
              and not w.text.isascii()]
    compounds = [ColourWord(f"{first}-{w.text}", term, also=w.concept)
                 for first, term in COMPOUND_FIRST.items() for w in second
                 if term != w.concept and f"{first}-{w.text}" not in listed]
    return words + shades + compounds


def colour_entries(detector_classes: list[ClassEntry]) -> list[ClassEntry]:
    """Names of the colour concepts, for explanations and `tags`: the photo's colour terms,
    what the photo is, and each COCO class in each colour («car: красный»)."""
    entries = [ClassEntry(photo_concept(t), f"colour:{ENGLISH[t]}", ENGLISH[t], name, ())
               for t, name in enumerate(TERMS)]
    entries += [ClassEntry(photo_concept(name), f"photo:{name}", PHOTO_ENGLISH[name],
                           PHOTO_NAMES[name], ()) for name in PHOTO_CONCEPTS]
    for entry in detector_classes:
        coco = entry.index - detector_classes[0].index
        entries += [ClassEntry(object_concept(coco, t), f"colour:{entry.english}:{ENGLISH[t]}",
                               f"{entry.english} {ENGLISH[t]}", f"{entry.name}: {name}", ())
                    for t, name in enumerate(TERMS)]
    return entries
