"""Search quality for queries of the text in photos («чек», «билет на поезд», «Пятёрочки»,
«"ул. Ленина"», «чек из Ашана»), with relevance fixed by construction.

    python bench/text_eval.py [--queries bench/queries/text.json] [--keep DIR] [--json OUT]

The library (a temporary folder, or --keep DIR to look at it afterwards; the same every run,
from the seed of the queries file):
- 200 COCO photos as distractors, a seeded sample, hard-linked (never relevant: a COCO photo
  of a shop front or a stop sign ranked for «вывеска» counts as a miss, so that figure is
  a floor);
- 66 images rendered with Pillow in DejaVu Sans, their words drawn from small word lists by
  a seeded generator so that several share words (shops, streets, surnames, cities) and
  some do not: 10 receipts (narrow; a flat scan or a phone photo of the slip on a table;
  «КАССОВЫЙ ЧЕК» on 7 in 10, «ИТОГО», prices, the shop and its address), 9 tickets (3 train
  e-tickets, 3 boarding passes, 3 cinema tickets), 4 passport pages (the holder's face a
  crop of a COCO person, found by the detector), 6 business cards (+7 (495) 123-45-67,
  e-mail, site), 6 restaurant menus (dishes with prices; some with pizza), 6 signs (a COCO
  street photo with a shop sign pasted in, a JPEG with a phone's EXIF Make/Model), 6 slides
  (16:9, PNG and JPEG exports: a title and 3 bullets), 6 documents (A4 pages of prose:
  договор аренды, купли-продажи, заявление, справка; scans and photos), 9 screenshots (PNG
  at phone and desktop sizes: Wi-Fi settings and password, chats, mail, an order, a
  router's page, weather, a bank), and 4 photographed pages (a page — two documents, a
  receipt, a menu — pasted slightly rotated into a COCO photo of a table, a phone JPEG).
  Camera files carry EXIF Make/Model (tests/photo_files.py), scans and exports none.

Relevance (bench/queries/text.json, fixed before the first run): a query names the kinds
(and sub-kinds) of rendered image it wants, the words its rendered text must have (each
group: one of the forms listed, whole words, case and ё folded) and the phrase (words in
a row, over the lines joined). Decisions: «билет на поезд» wants the train tickets only,
«посадочный талон» the boarding passes, «билет в кино» the cinema tickets; «документ»
wants the pages of prose, not passports, tickets or receipts; «скриншот» the UI
screenshots only (a slide exported as PNG is a slide); a photographed page is of the kind
of its page; a word query («Пятёрочки», «договор») wants every image whose text has the
word, whatever its kind.

Indexed as `smart-gallery index` does (commands.cmd_index): the first pass with the
default signals and the facts, then the text pass (TextPass with the text signal its
SignalSpec builds, OMP_THREAD_LIMIT=1). Searched as `search` does off the daemon
(commands._search_on_disk): the matrix of every signal's rows, the facts, the TextTable.
Every photo is ranked (limit=None); P@10 = relevant in the first 10 / min(10, relevant),
AP over the whole ranking (daemon/evaluate.py score_ranking).

Printed beside it: the same engine without the text pass (the matrix without the text
signal's rows, texts=None), what search did before photos' text was read. Also: the share
of the rendered images and of the COCO distractors the gate sent to Tesseract, how many
rendered images of each kind got their kind, and the share of their rendered words read
back. Each figure is a JSON line and a one-line summary; the queries that miss are listed
with what the engine understood and what it ranked instead.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from common import COCO, ROOT, coco_photos, wrap_words
from PIL import Image, ImageDraw, ImageFont
from text_pass import text_signal

sys.path.insert(0, str(ROOT / "tests"))
from photo_files import photo_exif  # noqa: E402 - the test helper that writes real EXIF

from daemon.config import Settings  # noqa: E402
from daemon.evaluate import MethodScore, QueryScore, score_ranking  # noqa: E402
from daemon.index.facts import FactsTable  # noqa: E402
from daemon.index.indexer import Indexer  # noqa: E402
from daemon.index.later_pass import PassReport, TextPass  # noqa: E402
from daemon.index.matrix import load_matrix  # noqa: E402
from daemon.index.scan import ScanOptions  # noqa: E402
from daemon.index.store import Store  # noqa: E402
from daemon.index.texts import TextTable  # noqa: E402
from daemon.query.search import build_query_engine  # noqa: E402
from daemon.signals import Signal, load_signals, signal_sources  # noqa: E402
from daemon.signals.decode import decode_photo  # noqa: E402
from daemon.signals.detector import Detector  # noqa: E402
from daemon.signals.metadata import FactsReader  # noqa: E402
from daemon.signals.ocr import one_thread  # noqa: E402
from daemon.signals.text import KINDS, TextSignal  # noqa: E402

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
DISTRACTORS = 200
WORD = re.compile(r"[0-9a-zа-яё]+")
CAMERAS = (("Apple", "iPhone 13"), ("samsung", "SM-G991B"), ("Xiaomi", "Redmi Note 10 Pro"),
           ("Google", "Pixel 7"))

# --- the word lists the rendered text is drawn from ------------------------------------------
SHOPS = ("ИКЕА", "Пятёрочка", "Ашан", "Магнит", "Перекрёсток", "Лента")
CITIES = ("Москва", "Санкт-Петербург", "Казань", "Сочи", "Екатеринбург", "Новосибирск")
# the city «in» («в Казани»), for documents
CITIES_IN = {"Москва": "Москве", "Санкт-Петербург": "Санкт-Петербурге", "Казань": "Казани",
             "Сочи": "Сочи", "Екатеринбург": "Екатеринбурге", "Новосибирск": "Новосибирске"}
STREETS = ("ул. Ленина", "ул. Гагарина", "пр. Мира", "ул. Садовая", "ул. Пушкина",
           "Невский пр.")
MEN = (("Иван", "Петров", "Сергеевич"), ("Алексей", "Иванов", "Петрович"),
       ("Дмитрий", "Кузнецов", "Андреевич"), ("Сергей", "Соколов", "Игоревич"),
       ("Андрей", "Попов", "Викторович"), ("Павел", "Морозов", "Олегович"))
WOMEN = (("Мария", "Смирнова", "Александровна"), ("Ольга", "Васильева", "Николаевна"),
         ("Елена", "Новикова", "Павловна"), ("Анна", "Фёдорова", "Игоревна"))
GROCERIES = (("Молоко 3,2% 1 л", 89.90), ("Хлеб Бородинский", 54.00),
             ("Яблоки Гала 1 кг", 139.99), ("Сыр Российский 200 г", 219.00),
             ("Кофе молотый 250 г", 449.00), ("Бананы 1 кг", 119.90),
             ("Яйца С1 10 шт", 109.00), ("Масло сливочное 82%", 189.90),
             ("Чай чёрный 100 пак", 259.00), ("Сок апельсиновый 1 л", 149.00),
             ("Пакет майка", 9.99), ("Шоколад молочный", 99.90), ("Гречка 900 г", 94.50),
             ("Курица охлаждённая", 329.00))
HOME_GOODS = (("Стеллаж КАЛЛАКС", 5999.00), ("Лампа настольная ТЕРТИАЛ", 1299.00),
              ("Плед ИНГАБРИТТА", 899.00), ("Контейнер с крышкой", 349.00),
              ("Вешалки 8 шт", 499.00), ("Фрикадельки 1 кг", 399.00),
              ("Свеча ароматическая", 199.00))
LEGAL = {"ИКЕА": "ИКЕА ДОМ", "Пятёрочка": "Агроторг", "Ашан": "Ашан", "Магнит": "Тандер",
         "Перекрёсток": "Агроторг", "Лента": "Лента"}
MENU_SECTIONS = {
    "Салаты": (("Цезарь с курицей", 450), ("Греческий", 390), ("Оливье", 320),
               ("Винегрет", 250)),
    "Супы": (("Борщ со сметаной", 350), ("Солянка мясная", 420), ("Уха по-фински", 480),
             ("Грибной крем-суп", 380)),
    "Горячие блюда": (("Бефстроганов с пюре", 590), ("Котлета по-киевски", 540),
                      ("Судак на гриле", 720), ("Пельмени домашние", 420)),
    "Пицца": (("Пицца Маргарита", 550), ("Пицца Пепперони", 620),
              ("Пицца Четыре сыра", 680)),
    "Десерты": (("Медовик", 290), ("Чизкейк", 320), ("Блины со сгущёнкой", 260)),
    "Напитки": (("Морс клюквенный", 180), ("Чай чёрный", 150), ("Кофе капучино", 220),
                ("Лимонад домашний", 250)),
}
RESTAURANTS = ("Ресторан «Пушкин»", "Кафе «Ромашка»", "Пиццерия «Мама Роза»",
               "Кафе «У озера»", "Бистро «Лето»", "Ресторан «Волга»", "Трактир «Самовар»")
COMPANIES = (("ООО «Северный ветер»", "severveter.ru"), ("ТехноСтрой", "tehnostroy.ru"),
             ("Студия «Лето»", "leto-studio.ru"), ("ГК «Орбита»", "orbita-group.ru"),
             ("ООО «Вектор Плюс»", "vectorplus.ru"), ("Агентство «Мост»", "most-agency.ru"))
TITLES = ("Генеральный директор", "Генеральный директор", "Менеджер по продажам",
          "Главный бухгалтер", "Арт-директор", "Инженер-проектировщик")
SIGNS = ("Пятёрочка", "Пятёрочка", "Магнит", "Аптека", "Кофейня", "Продукты")
SIGN_SECOND = {"Пятёрочка": "24 часа", "Магнит": "у дома", "Аптека": "круглосуточно",
               "Кофейня": "кофе с собой", "Продукты": "овощи фрукты"}
SIGN_COLOURS = {"Пятёрочка": (200, 30, 40), "Магнит": (220, 20, 30), "Аптека": (20, 140, 70),
                "Кофейня": (90, 55, 35), "Продукты": (30, 80, 160)}
SLIDES = (
    ("Итоги продаж за 2023 год", ("Выручка выросла на 15%", "Новые клиенты: 240 компаний",
                                  "Средний чек вырос до 4 800 руб.")),
    ("План развития компании", ("Открыть два филиала в регионах", "Запустить онлайн-магазин",
                                "Нанять 30 новых сотрудников")),
    ("Новый офис в Казани", ("Переезд в марте 2024 года", "Рабочие места на 120 человек",
                             "Парковка и столовая")),
    ("Результаты опроса клиентов", ("Довольны сервисом 87% клиентов",
                                    "Главное пожелание: быстрее доставка",
                                    "Участвовали 1 500 человек")),
    ("Продажи в регионах", ("Лидер роста: Екатеринбург", "Москва: 42% оборота",
                            "Сибирь отстаёт от плана")),
    ("Запуск мобильного приложения", ("Бета-версия в апреле", "Оплата картой и по QR-коду",
                                      "Цель: 100 тысяч установок")),
)
FILMS = ("Мастер и Маргарита", "Чебурашка", "Холоп 2", "Летучий корабль")
CINEMAS = ("Октябрь", "Формула Кино", "Аврора", "Пионер")
TRANSLIT = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                    ("a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m",
                     "n", "o", "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch",
                     "", "y", "", "e", "yu", "ya"), strict=True))


@dataclass
class Rendered:
    """One rendered image and what it shows (the manifest the queries are judged by)."""

    name: str
    kind: str  # one of the kinds of daemon/signals/text.py (not «текст»)
    sub: str = ""  # train / plane / cinema; chat, settings…; photographed
    lines: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


# --- drawing ----------------------------------------------------------------------------------
@lru_cache(maxsize=64)
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(BOLD if bold else FONT, max(6, round(size)))


@dataclass(frozen=True)
class Line:
    text: str
    size: int = 28
    bold: bool = False
    align: str = "left"  # left, centre
    right: str = ""  # set flush right on the same line (a price)
    after: float = 0.45  # the space below it, in units of its size
    colour: tuple[int, int, int] | None = None

    @property
    def written(self) -> str:
        return f"{self.text} {self.right}".strip()


def wrap(text: str, size: int, bold: bool, width: float) -> list[str]:
    return wrap_words(text, font(size, bold), width)


def wrapped(text: str, width: float, size: int = 28, bold: bool = False,
            after: float = 0.45) -> list[Line]:
    """A paragraph as lines that fit width (the last with the paragraph's space after)."""
    parts = wrap(text, size, bold, width)
    return [Line(p, size, bold, after=after if i == len(parts) - 1 else 0.3)
            for i, p in enumerate(parts)]


def lines_height(lines: Sequence[Line]) -> float:
    return sum(line.size * (1.2 + line.after) for line in lines)


def draw_lines(draw: ImageDraw.ImageDraw, lines: Sequence[Line], left: float, top: float,
               right: float, fill: tuple[int, int, int]) -> float:
    """The lines from top down between left and right; returns where they end."""
    y = top
    for line in lines:
        face = font(line.size, line.bold)
        colour = line.colour or fill
        x = left
        if line.align == "centre":
            x = (left + right - face.getlength(line.text)) / 2
        draw.text((x, y), line.text, font=face, fill=colour)
        if line.right:
            draw.text((right - face.getlength(line.right), y), line.right, font=face,
                      fill=colour)
        y += line.size * (1.2 + line.after)
    return y


def page(width: int, lines: Sequence[Line], height: int | None = None, margin: int = 60,
         bg: tuple[int, int, int] = (255, 255, 255), fg: tuple[int, int, int] = (25, 25, 25)
         ) -> Image.Image:
    height = height or round(lines_height(lines) + 2 * margin)
    image = Image.new("RGB", (width, height), bg)
    draw_lines(ImageDraw.Draw(image), lines, margin, margin, width - margin, fg)
    return image


def cover(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Scaled to fill size and cropped to it, centred."""
    width, height = size
    scale = max(width / image.width, height / image.height)
    scaled = image.convert("RGB").resize((max(width, round(image.width * scale)),
                                          max(height, round(image.height * scale))),
                                         Image.Resampling.BICUBIC)
    left, top = (scaled.width - width) // 2, (scaled.height - height) // 2
    return scaled.crop((left, top, left + width, top + height))


def on_background(paper: Image.Image, background: Image.Image, angle: float,
                  height_share: float, rng: random.Random) -> Image.Image:
    """The paper scaled to a share of the background's height, turned by angle degrees
    and laid on it (a photo of a page on a table)."""
    scale = height_share * background.height / paper.height
    paper = paper.resize((max(1, round(paper.width * scale)), round(paper.height * scale)),
                         Image.Resampling.LANCZOS)
    mask = Image.new("L", paper.size, 255)
    paper = paper.rotate(angle, Image.Resampling.BICUBIC, expand=True)
    mask = mask.rotate(angle, Image.Resampling.BICUBIC, expand=True)
    out = background.copy()
    x = rng.randint(0, max(0, out.width - paper.width))
    y = rng.randint(0, max(0, out.height - paper.height))
    out.paste(paper, (x, y), mask)
    return out


def save_camera(image: Image.Image, path: Path, rng: random.Random) -> None:
    make, model = rng.choice(CAMERAS)
    taken = datetime(2024, 1, 1) + timedelta(minutes=rng.randrange(300 * 24 * 60))
    image.convert("RGB").save(path, "JPEG", quality=90,
                              exif=photo_exif(taken=taken, make=make, model=model))


def save_plain(image: Image.Image, path: Path) -> None:
    if path.suffix == ".png":
        image.convert("RGB").save(path, "PNG")
    else:
        image.convert("RGB").save(path, "JPEG", quality=90)


def translit(text: str) -> str:
    return "".join(TRANSLIT.get(c, c) for c in text.lower())


def phone(rng: random.Random, code: str = "495") -> str:
    return (f"+7 ({code}) {rng.randint(100, 999)}-{rng.randint(10, 99)}-"
            f"{rng.randint(10, 99)}")


def day(rng: random.Random) -> str:
    return f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.2024"


# --- the kinds of image -----------------------------------------------------------------------
def receipt_lines(rng: random.Random, shop: str, kassovy: bool) -> list[Line]:
    city, street = rng.choice(CITIES), rng.choice(STREETS)
    goods = HOME_GOODS if shop == "ИКЕА" else GROCERIES
    items = rng.sample(goods, rng.randint(3, 6))
    total = sum(price for _, price in items)
    cashier = rng.choice(WOMEN)[1]
    header = "КАССОВЫЙ ЧЕК" if kassovy else rng.choice(("ТОВАРНЫЙ ЧЕК",
                                                        f"ЧЕК № {rng.randint(100, 9999)}"))
    lines = [Line(shop, 46, True, "centre", after=0.3),
             Line(f"ООО «{LEGAL[shop]}»", 24, align="centre", after=0.2),
             Line(f"г. {city}, {street}, д. {rng.randint(1, 99)}", 24, align="centre",
                  after=0.2),
             Line(f"ИНН {rng.randint(10**9, 10**10 - 1)}", 22, align="centre", after=0.8),
             Line(header, 32, True, "centre", after=0.2)]
    if kassovy:
        lines.append(Line("ПРИХОД", 24, align="centre", after=0.6))
    lines.append(Line(f"{day(rng)} {rng.randint(8, 22):02d}:{rng.randint(0, 59):02d}", 24,
                      right=f"Смена № {rng.randint(10, 300)}", after=0.8))
    for name, price in items:
        lines.append(Line(name, 26, right=f"{price:.2f}", after=0.35))
    lines += [Line("ИТОГО", 36, True, right=f"={total:.2f}", after=0.3),
              Line("В т.ч. НДС 20%", 24, right=f"{total / 6:.2f}", after=0.2),
              Line(rng.choice(("Наличными", "Безналичными")), 24, right=f"{total:.2f}",
                   after=0.6),
              Line(f"Кассир {cashier}", 24, after=0.6),
              Line("Спасибо за покупку!", 26, align="centre")]
    return lines


def receipt(rng: random.Random, shop: str, kassovy: bool) -> tuple[Image.Image, list[str]]:
    lines = receipt_lines(rng, shop, kassovy)
    paper = page(720, lines, margin=40, bg=(250, 249, 244))
    return paper, [line.written for line in lines]


def ticket_train(rng: random.Random, destination: str) -> tuple[Image.Image, list[str]]:
    first, surname, patronymic = rng.choice(MEN + WOMEN)
    width, height = 1700, 900
    image = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, 130), fill=(226, 26, 26))
    band = [Line("РЖД   Электронный билет", 50, True, colour=(255, 255, 255))]
    draw_lines(draw, band, 60, 30, width - 60, (255, 255, 255))
    number = f"{rng.randint(1, 199):03d}{rng.choice('АМУСЧ')}"
    start = f"{day(rng)} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}"
    lines = [Line(f"Поезд {number}   Москва — {destination}", 46, True, after=0.8),
             Line(f"Отправление: {start} (МСК)", 32),
             Line(f"Прибытие: {day(rng)} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}",
                  32, after=0.8),
             Line(f"Вагон {rng.randint(1, 16):02d}   Место {rng.randint(1, 54):03d}   "
                  f"{rng.choice(('Купе', 'Плацкарт', 'СВ'))}", 36, True, after=0.8),
             Line(f"Пассажир: {surname.upper()} {first[0]}. {patronymic[0]}.", 32),
             Line(f"Паспорт РФ {rng.randint(1000, 9999)} ******", 28),
             Line(f"Стоимость: {rng.randint(1500, 9000)},00 руб.", 32),
             Line("Перевозчик: АО «ФПК»", 28)]
    draw_lines(draw, lines, 60, 170, width - 60, (20, 20, 20))
    return image, [line.written for line in band + lines]


def ticket_plane(rng: random.Random, destination: str) -> tuple[Image.Image, list[str]]:
    first, surname, _ = rng.choice(MEN + WOMEN)
    codes = {"Сочи": "AER", "Екатеринбург": "SVX", "Новосибирск": "OVB", "Казань": "KZN",
             "Санкт-Петербург": "LED"}
    width, height = 1800, 760
    image = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, 120), fill=(0, 60, 140))
    band = [Line("АЭРОФЛОТ   ПОСАДОЧНЫЙ ТАЛОН / BOARDING PASS", 44, True,
                 colour=(255, 255, 255))]
    draw_lines(draw, band, 50, 30, width - 50, (255, 255, 255))
    seat = f"{rng.randint(1, 32)}{rng.choice('ABCDEF')}"
    lines = [Line(f"Пассажир / Passenger: {translit(surname).upper()}/"
                  f"{translit(first).upper()}", 34, after=0.6),
             Line(f"Рейс / Flight: SU {rng.randint(1000, 1999)}   Дата / Date: {day(rng)}",
                  34, after=0.6),
             Line(f"Откуда / From: Москва SVO   Куда / To: {destination} "
                  f"{codes[destination]}", 38, True, after=0.6),
             Line(f"Выход / Gate: {rng.randint(1, 40)}   Место / Seat: {seat}   "
                  f"Посадка / Boarding: {rng.randint(5, 22):02d}:{rng.randint(0, 59):02d}",
                  34)]
    draw_lines(draw, lines, 50, 160, width - 50, (20, 20, 20))
    return image, [line.written for line in band + lines]


def ticket_cinema(rng: random.Random, cinema: str, film: str) -> tuple[Image.Image, list[str]]:
    colour = rng.choice(((250, 230, 160), (200, 225, 250), (240, 205, 220)))
    lines = [Line(f"Кинотеатр «{cinema}»", 48, True, "centre", after=0.5),
             Line("БИЛЕТ", 40, True, "centre", after=0.6),
             Line(f"«{film}»", 40, align="centre", after=0.6),
             Line(f"Зал {rng.randint(1, 8)}   Ряд {rng.randint(1, 15)}   "
                  f"Место {rng.randint(1, 20)}", 36, True, "centre"),
             Line(f"Сеанс: {day(rng)} {rng.randint(10, 23)}:{rng.choice(('00', '30'))}", 32,
                  align="centre"),
             Line(f"Цена: {rng.choice((350, 400, 450, 550))} руб.", 32, align="centre")]
    return page(1300, lines, margin=60, bg=colour), [line.written for line in lines]


def passport(rng: random.Random, person: tuple[str, str, str], male: bool, city: str,
             face: Image.Image) -> tuple[Image.Image, list[str]]:
    first, surname, patronymic = person
    width, height = 1000, 1420
    image = Image.new("RGB", (width, height), (244, 228, 226))
    draw = ImageDraw.Draw(image)
    for y in range(0, height, 14):  # the security print's waves
        draw.arc((-200, y - 60, width + 200, y + 60), 0, 180, fill=(232, 210, 210), width=1)
    draw.line((0, height // 2, width, height // 2), fill=(180, 150, 150), width=3)
    issued = [Line("Паспорт выдан", 24, after=0.2),
              Line(f"ГУ МВД РОССИИ ПО Г. {CITIES_IN[city].upper()}", 30, True, after=0.6),
              Line(f"Дата выдачи {day(rng)}", 28, after=0.3),
              Line(f"Код подразделения {rng.randint(100, 999)}-{rng.randint(1, 99):03d}", 28,
                   after=0.6),
              Line("Личный код ___________   Подпись ___________", 24)]
    draw_lines(draw, issued, 70, 90, width - 70, (40, 30, 40))
    top = height // 2 + 60
    image.paste(cover(face, (300, 400)), (60, top + 40))
    born = f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{rng.randint(1960, 2002)}"
    personal = [Line("РОССИЙСКАЯ ФЕДЕРАЦИЯ", 30, True, after=0.8),
                Line("Фамилия", 22, after=0.1), Line(surname.upper(), 36, True, after=0.4),
                Line("Имя", 22, after=0.1), Line(first.upper(), 36, True, after=0.4),
                Line("Отчество", 22, after=0.1), Line(patronymic.upper(), 36, True, after=0.4),
                Line(f"Пол {'МУЖ.' if male else 'ЖЕН.'}   Дата рождения {born}", 26,
                     after=0.3),
                Line("Место рождения", 22, after=0.1), Line(f"ГОР. {city.upper()}", 30, True)]
    draw_lines(draw, personal, 400, top, width - 40, (40, 30, 40))
    zone = (f"PNRUS{translit(surname).upper()}<<{translit(first).upper()}<"
            f"{translit(patronymic).upper()}").ljust(44, "<")[:44]
    mrz = [Line(zone, 26)]
    draw_lines(draw, mrz, 40, height - 90, width - 40, (40, 30, 40))
    return image, [line.written for line in issued + personal + mrz]


def business_card(rng: random.Random, person: tuple[str, str, str], title: str,
                  company: tuple[str, str]) -> tuple[Image.Image, list[str]]:
    first, surname, _ = person
    name, site = company
    email = f"{translit(first)[0]}.{translit(surname)}@{site}"
    dark = rng.random() < 0.3
    bg, fg = ((30, 40, 60), (240, 240, 240)) if dark else ((255, 255, 255), (25, 25, 35))
    lines = [Line(name, 38, True, after=1.0), Line(f"{first} {surname}", 56, True, after=0.3),
             Line(title, 34, after=1.0), Line(f"Тел.: {phone(rng)}", 30, after=0.3),
             Line(f"Моб.: {phone(rng, rng.choice(('916', '903', '926')))}", 30, after=0.3),
             Line(f"E-mail: {email}", 30, after=0.3), Line(f"www.{site}", 30)]
    return page(1400, lines, 800, margin=80, bg=bg, fg=fg), [line.written for line in lines]


def menu(rng: random.Random, restaurant: str, pizza: bool) -> tuple[Image.Image, list[str]]:
    sections = [s for s in MENU_SECTIONS if s != "Пицца"]
    chosen = rng.sample(sections, 3)
    if pizza:
        chosen = ["Пицца", *chosen[:2]]
    dark = rng.random() < 0.25  # a chalkboard
    bg, fg = ((40, 45, 42), (235, 235, 225)) if dark else ((253, 248, 235), (40, 30, 20))
    lines = [Line(restaurant, 52, True, "centre", after=0.3),
             Line("МЕНЮ", 44, True, "centre", after=1.0)]
    for section in chosen:
        lines.append(Line(section, 38, True, after=0.5))
        for dish, price in rng.sample(MENU_SECTIONS[section], 3):
            lines.append(Line(dish, 30, right=f"{price}", after=0.4))
        lines[-1] = Line(lines[-1].text, 30, right=lines[-1].right, after=1.0)
    return (page(1240, lines, 1754, margin=100, bg=bg, fg=fg),
            [line.written for line in lines])


def sign(rng: random.Random, street: Image.Image, name: str) -> tuple[Image.Image, list[str]]:
    image = cover(street, (1600, 1200))
    draw = ImageDraw.Draw(image)
    width = rng.randint(760, 1040)
    height = rng.randint(180, 240)
    x = rng.randint(40, 1600 - width - 40)
    y = rng.randint(60, 420)
    draw.rectangle((x, y, x + width, y + height), fill=SIGN_COLOURS[name],
                   outline=(240, 240, 240), width=6)
    second = SIGN_SECOND[name]
    size = round(height * 0.5)
    while font(size, True).getlength(name) > width - 60:
        size -= 2
    face = font(size, True)
    draw.text((x + (width - face.getlength(name)) / 2, y + height * 0.1), name, font=face,
              fill=(255, 255, 255))
    small = font(round(height * 0.2))
    draw.text((x + (width - small.getlength(second)) / 2, y + height * 0.68), second,
              font=small, fill=(255, 255, 255))
    return image, [name, second]


def slide(rng: random.Random, title: str, bullets: Sequence[str], size: tuple[int, int]
          ) -> tuple[Image.Image, list[str]]:
    width, height = size
    s = width / 1920
    dark = rng.random() < 0.35
    bg, fg, band = (((20, 35, 70), (245, 245, 250), (240, 170, 40)) if dark else
                    ((255, 255, 255), (30, 30, 40), (30, 90, 180)))
    image = Image.new("RGB", size, bg)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, round(24 * s)), fill=band)
    lines = [Line(title, round(76 * s), True, after=1.0)]
    lines += [Line(f"• {b}", round(48 * s), after=0.8) for b in bullets]
    draw_lines(draw, lines, 120 * s, 140 * s, width - 120 * s, fg)
    footer = [Line(f"{rng.randint(2, 24)}", round(28 * s))]
    draw_lines(draw, footer, width - 120 * s, height - 90 * s, width - 40 * s, fg)
    return image, [line.written for line in lines + footer]


def document_lines(rng: random.Random, which: str, width: float) -> list[Line]:
    city, street = rng.choice(CITIES), rng.choice(STREETS)
    a, b = rng.sample(MEN + WOMEN, 2)
    who_a, who_b = f"{a[1]} {a[0]} {a[2]}", f"{b[1]} {b[0]} {b[2]}"
    address = f"г. {city}, {street}, д. {rng.randint(1, 99)}, кв. {rng.randint(1, 200)}"
    when = f"«{rng.randint(1, 28)}» {rng.choice(('марта', 'мая', 'июня', 'октября'))} 2024 г."
    if which == "аренда":
        title = f"ДОГОВОР АРЕНДЫ КВАРТИРЫ № {rng.randint(1, 99)}"
        body = [f"{who_a}, именуемый в дальнейшем «Арендодатель», с одной стороны, и {who_b}, "
                "именуемый в дальнейшем «Арендатор», с другой стороны, заключили настоящий "
                "договор о нижеследующем.",
                "1. ПРЕДМЕТ ДОГОВОРА",
                f"1.1. Арендодатель передаёт Арендатору во временное пользование квартиру по "
                f"адресу: {address}.",
                f"1.2. Срок аренды составляет {rng.choice(('шесть', 'одиннадцать'))} месяцев "
                "с момента подписания договора.",
                "2. ПЛАТА ПО ДОГОВОРУ",
                f"2.1. Ежемесячная плата составляет {rng.randint(25, 90)} 000 рублей и "
                "вносится не позднее пятого числа каждого месяца.",
                "2.2. Коммунальные платежи оплачивает Арендатор по показаниям счётчиков.",
                "3. ОБЯЗАННОСТИ СТОРОН",
                "3.1. Арендатор обязуется содержать квартиру в порядке и не сдавать её "
                "третьим лицам."]
    elif which == "купля":
        title = "ДОГОВОР КУПЛИ-ПРОДАЖИ АВТОМОБИЛЯ"
        body = [f"{who_a} (Продавец) и {who_b} (Покупатель) заключили настоящий договор о "
                "следующем.",
                f"1. Продавец передаёт в собственность Покупателя автомобиль "
                f"{rng.choice(('Лада Веста', 'Киа Рио', 'Шкода Октавия'))}, "
                f"{rng.randint(2012, 2022)} года выпуска.",
                f"2. Стоимость автомобиля составляет {rng.randint(400, 1900)} 000 рублей.",
                "3. Покупатель оплатил стоимость автомобиля полностью до подписания "
                "настоящего договора.",
                "4. Продавец гарантирует, что автомобиль не заложен, не находится под "
                "арестом и не является предметом спора.",
                f"Адрес Продавца: {address}."]
    elif which == "заявление":
        reason = rng.choice((
            "Прошу принять меня на работу на должность менеджера с " + day(rng) + ".",
            "Прошу предоставить мне ежегодный оплачиваемый отпуск с " + day(rng)
            + " продолжительностью 14 календарных дней."))
        title = "ЗАЯВЛЕНИЕ"
        body = [f"Генеральному директору ООО «{rng.choice(('Вектор Плюс', 'Орбита'))}»",
                f"от {who_a}, проживающего по адресу: {address}",
                reason,
                "С правилами внутреннего трудового распорядка ознакомлен. Копии документов "
                "прилагаю."]
    else:  # справка
        title = "СПРАВКА"
        body = [f"Дана {who_a} в том, что он (она) действительно работает в ООО "
                f"«{rng.choice(('Северный ветер', 'ТехноСтрой'))}» в должности "
                f"{rng.choice(('инженера', 'бухгалтера', 'менеджера'))} с {day(rng)} по "
                "настоящее время.",
                f"Средняя заработная плата за последние шесть месяцев составляет "
                f"{rng.randint(40, 150)} 000 рублей.",
                "Справка выдана для предъявления по месту требования."]
    lines = [Line(title, 40, True, "centre", after=0.6),
             Line(f"г. {city}", 28, right=when, after=1.0)]
    for paragraph in body:
        bold = paragraph.isupper()
        lines += wrapped(paragraph, width, 28, bold, after=0.7)
    lines += [Line("", 28, after=1.0), Line("Подпись ______________", 28, right=who_b[:30]
                                             if which != "справка" else "Печать")]
    return lines


def document(rng: random.Random, which: str) -> tuple[Image.Image, list[str]]:
    lines = document_lines(rng, which, 1240 - 2 * 110)
    image = page(1240, lines, 1754, margin=110)
    return image, [line.written for line in lines if line.written]


# --- screenshots ------------------------------------------------------------------------------
SCREEN_BLOCKS: tuple[tuple[str, tuple[int, int], bool, list[tuple[str, ...]]], ...] = (
    ("settings", (1080, 2340), False, [
        ("title", "Wi-Fi"), ("row", "Wi-Fi", "Вкл."), ("muted", "Доступные сети"),
        ("row", "Home_5G", "Подключено"), ("row", "TP-Link_2.4", ""),
        ("row", "MGTS_GPON_7A21", ""), ("muted", "Сеть Home_5G"),
        ("row", "Пароль", "qwerty2024"), ("row", "Безопасность", "WPA2"),
        ("button", "Показать пароль")]),
    ("settings", (1170, 2532), False, [
        ("title", "Поделиться сетью Wi-Fi"),
        ("text", "Отсканируйте QR-код, чтобы подключиться к сети Home_5G"), ("qr",),
        ("text", "Пароль Wi-Fi: Sunny-Day-77"), ("button", "Готово")]),
    ("chat", (1080, 2400), True, [
        ("title", "Мария"), ("left", "Привет! Скинь пароль от Wi-Fi, пожалуйста"),
        ("right", "Сеть Home_5G, пароль qwerty2024"), ("left", "Спасибо! Всё работает"),
        ("right", "Приходи завтра к семи, будет пирог")]),
    ("chat", (1080, 2340), False, [
        ("title", "Алексей"), ("left", "Где встречаемся в пятницу?"),
        ("right", "Встретимся у Пятёрочки на ул. Ленина в 19:00"),
        ("left", "Хорошо, я возьму торт"), ("right", "Отлично, до вечера!")]),
    ("mail", (1920, 1080), False, [
        ("title", "Почта — Входящие"), ("side", "Входящие", "Отправленные", "Черновики", "Спам"),
        ("row", "Ольга Смирнова", "Договор аренды — проект на согласование"),
        ("row", "Бухгалтерия", "Счёт на оплату за май"),
        ("row", "Иван Кузнецов", "Отчёт по проекту готов"),
        ("row", "Госуслуги", "Запись к врачу подтверждена")]),
    ("order", (1440, 900), False, [
        ("title", "Мои заказы — ИКЕА"), ("side", "Профиль", "Заказы", "Избранное", "Выход"),
        ("row", "Заказ № 4815", "Оформлен 12.05.2024"),
        ("row", "Стеллаж КАЛЛАКС", "5 999 руб."), ("row", "Доставка", "15 мая"),
        ("text", "Статус: передан в службу доставки"), ("button", "Отследить заказ")]),
    ("router", (1366, 768), True, [
        ("title", "Настройки роутера — Беспроводная сеть"),
        ("side", "Состояние", "Сеть", "Беспроводная сеть", "Система"),
        ("row", "Имя сети (SSID)", "Home_5G"), ("row", "Защита", "WPA2-PSK"),
        ("row", "Пароль сети", "qwerty2024"), ("row", "Канал", "Авто"),
        ("button", "Сохранить")]),
    ("weather", (1179, 2556), False, [
        ("title", "Погода"), ("big", "Сочи"), ("text", "+24° Ясно, ветер 3 м/с"),
        ("row", "Понедельник", "+25° / +18°"), ("row", "Вторник", "+23° / +17°"),
        ("row", "Среда", "+22° / +16°")]),
    ("bank", (1080, 2400), False, [
        ("title", "Мой банк"), ("big", "Перевод выполнен"),
        ("row", "Магнит", "−1 250,00 руб."), ("row", "Кофейня «Лето»", "−320,00 руб."),
        ("row", "Зарплата", "+85 000,00 руб."), ("button", "История операций")]),
)


def screenshot(rng: random.Random, size: tuple[int, int], dark: bool,
               blocks: list[tuple[str, ...]]) -> tuple[Image.Image, list[str]]:
    """A phone app (tall) or a desktop window (wide) with these blocks, and its lines."""
    width, height = size
    is_phone = height > width
    s = width / 360 if is_phone else max(1.0, width / 1440)
    bg, fg, muted, panel, accent = (
        ((18, 18, 20), (235, 235, 240), (150, 150, 160), (40, 40, 46), (110, 170, 255))
        if dark else
        ((255, 255, 255), (25, 25, 30), (100, 100, 110), (240, 241, 244), (20, 110, 230)))
    image = Image.new("RGB", size, bg)
    draw = ImageDraw.Draw(image)
    written: list[str] = []
    unit = 1.0 if is_phone else 1.4  # desktop text is set a little larger per scale unit

    def put(xy: tuple[float, float], text: str, size_: float, bold: bool = False,
            colour: tuple[int, int, int] | None = None) -> None:
        draw.text(xy, text, font=font(round(size_), bold), fill=colour or fg)
        written.append(text)

    bar = 44 * s if is_phone else 40 * s
    draw.rectangle((0, 0, width, bar), fill=panel)
    if is_phone:
        put((16 * s, 10 * s), f"{rng.randint(8, 23)}:{rng.randint(10, 59)}", 14 * s,
            colour=muted)
        left, right, y = 16 * s, width - 16 * s, bar + 16 * s
    else:
        left, right, y = 16 * s, width - 24 * s, bar + 24 * s
    for block in blocks:
        kind = block[0]
        if kind == "title":
            if is_phone:
                put((left, y), block[1], 24 * s, True)
                y += 48 * s
            else:
                put((16 * s, 8 * s), block[1], 16 * s * unit, True)
        elif kind == "side":
            side = 230 * s
            draw.rectangle((0, bar, side, height), fill=panel)
            sy = bar + 24 * s
            for item in block[1:]:
                put((20 * s, sy), item, 15 * s * unit)
                sy += 40 * s
            left = side + 28 * s
        elif kind == "row":
            label, value = block[1], block[2]
            size_ = (17 if is_phone else 15 * unit) * s
            put((left, y), label, size_, not is_phone)
            if value:
                face = font(round(size_))
                x = right - face.getlength(value) if is_phone else left + 300 * s
                put((x, y), value, size_, colour=muted if is_phone else fg)
            y += size_ * 2.2
            draw.line((left, y - size_ * 0.6, right, y - size_ * 0.6), fill=panel,
                      width=max(1, round(s)))
        elif kind in ("text", "muted", "big"):
            size_ = {"text": 16, "muted": 14, "big": 30}[kind] * s * (1 if is_phone else unit)
            for line in wrap(block[1], round(size_), kind == "big", right - left):
                put((left, y), line, size_, kind == "big", muted if kind == "muted" else None)
                y += size_ * 1.4
            y += size_ * 0.8
        elif kind in ("left", "right"):
            size_ = 17 * s
            lines = wrap(block[1], round(size_), False, (right - left) * 0.7)
            box_w = max(font(round(size_)).getlength(line) for line in lines) + 28 * s
            box_h = len(lines) * size_ * 1.35 + 20 * s
            x = left if kind == "left" else right - box_w
            draw.rounded_rectangle((x, y, x + box_w, y + box_h), radius=round(14 * s),
                                   fill=panel if kind == "left" else accent)
            for i, line in enumerate(lines):
                put((x + 14 * s, y + 10 * s + i * size_ * 1.35), line, size_,
                    colour=fg if kind == "left" else (255, 255, 255))
            y += box_h + 14 * s
        elif kind == "button":
            size_ = (16 if is_phone else 14 * unit) * s
            face = font(round(size_), True)
            w = face.getlength(block[1]) + 40 * s
            draw.rounded_rectangle((left, y, left + w, y + size_ * 2.4), radius=round(8 * s),
                                   fill=accent)
            put((left + 20 * s, y + size_ * 0.6), block[1], size_, True, (255, 255, 255))
            y += size_ * 3.4
        elif kind == "qr":
            cells, cell = 25, round(8 * s)
            x0 = round((width - cells * cell) / 2)
            for i in range(cells):
                for j in range(cells):
                    if rng.random() < 0.5:
                        draw.rectangle((x0 + i * cell, round(y) + j * cell,
                                        x0 + (i + 1) * cell - 1, round(y) + (j + 1) * cell - 1),
                                       fill=fg)
            y += cells * cell + 24 * s
    return image, written


# --- the library ------------------------------------------------------------------------------
@dataclass
class Backgrounds:
    streets: list[Path]
    tables: list[Path]
    faces: list[Image.Image]
    used: set[str]


def backgrounds(labels: dict[str, list[str]], signals: Sequence[Signal],
                rng: random.Random) -> Backgrounds:
    """The COCO photos the rendered images are made on: street photos for the signs, table
    photos for the photographed pages, and faces (a crop of the detector's box of a
    person) for the passports."""
    photos = {p.name: p for p in coco_photos()}

    def landscape(name: str) -> bool:
        with Image.open(photos[name]) as image:
            return image.width > image.height

    streets = sorted(n for n, cats in labels.items() if n in photos
                     and {"car", "bus", "truck", "traffic light"} & set(cats) and landscape(n))
    tables = sorted(n for n, cats in labels.items() if n in photos
                    and "dining table" in cats and "person" not in cats and landscape(n))
    people = sorted(n for n, cats in labels.items() if n in photos and "person" in cats
                    and len(cats) <= 3)
    street_pick = rng.sample(streets, len(SIGNS))
    table_pick = rng.sample(tables, 4)
    detector = next(s for s in signals if isinstance(s, Detector))
    faces: list[Image.Image] = []
    used = set(street_pick) | set(table_pick)
    for name in rng.sample(people, len(people)):
        photo = decode_photo(photos[name])
        tags = detector.read(photo, {})
        rows = dict(zip(tags.classes.tolist(), range(len(tags.classes)), strict=True))
        if 0 not in rows or tags.probs[rows[0]] < 0.6 or tags.boxes is None:
            continue
        x1, y1, x2, y2 = tags.boxes[rows[0]].tolist()
        if y2 - y1 < 0.5 or x2 - x1 < 0.15 or y1 < 0.03:  # large, the head inside the photo
            continue
        with Image.open(photos[name]) as image:
            w, h = image.size
            box_w, top = (x2 - x1) * w, y1 * h
            if (y2 - y1) * h < 1.5 * box_w:  # upright: the head at the top of the box
                continue
            crop = image.convert("RGB").crop((round(x1 * w), round(top), round(x2 * w),
                                              round(min(y2 * h, top + box_w * 1.2))))
        faces.append(crop)
        used.add(name)
        if len(faces) == 4:
            break
    return Backgrounds([photos[n] for n in street_pick], [photos[n] for n in table_pick],
                       faces, used)


def render_library(folder: Path, seed: int, found: Backgrounds) -> list[Rendered]:
    """The 66 rendered images, written into folder; their manifest."""
    made: list[Rendered] = []
    counter = iter(range(1000, 2000))

    def camera_name() -> str:
        return f"IMG_{next(counter)}.jpg"

    def add(image: Image.Image, name: str, kind: str, sub: str, lines: list[str],
            camera: random.Random | None = None) -> None:
        if camera is not None:
            save_camera(image, folder / name, camera)
        else:
            save_plain(image, folder / name)
        made.append(Rendered(name, kind, sub, [line for line in lines if line.strip()]))

    rng = random.Random(f"{seed}-receipts")
    shops = ["ИКЕА", "Пятёрочка", "Ашан", "Магнит", "Перекрёсток", "Лента", "Пятёрочка",
             "Ашан", "Магнит", "ИКЕА"]
    kassovy = [True] * 7 + [False] * 3
    rng.shuffle(kassovy)
    for i, (shop, fiscal) in enumerate(zip(shops, kassovy, strict=True)):
        paper, lines = receipt(rng, shop, fiscal)
        if i % 2:  # a phone photo of the slip on a table
            table = Image.new("RGB", (round(paper.width * 1.25), round(paper.height * 1.08)),
                              tuple(rng.randint(90, 150) for _ in range(3)))
            image = on_background(paper, table, rng.uniform(-2.5, 2.5), 0.92, rng)
            add(image, camera_name(), "чек", "photo", lines, rng)
        else:
            add(paper, f"Scan_{i:02d}.jpg", "чек", "scan", lines)

    rng = random.Random(f"{seed}-tickets")
    for destination in ("Санкт-Петербург", "Сочи", "Казань"):
        image, lines = ticket_train(rng, destination)
        add(image, f"Ticket_{len(made):02d}.jpg", "билет", "train", lines)
    for destination in ("Сочи", "Екатеринбург", "Новосибирск"):
        image, lines = ticket_plane(rng, destination)
        add(image, camera_name(), "билет", "plane", lines, rng)
    for cinema, film in zip(rng.sample(CINEMAS, 3), rng.sample(FILMS, 3), strict=True):
        image, lines = ticket_cinema(rng, cinema, film)
        add(image, camera_name(), "билет", "cinema", lines, rng)

    rng = random.Random(f"{seed}-passports")
    holders = ((MEN[0], True, "Казань"), (WOMEN[0], False, "Москва"),
               (MEN[2], True, "Екатеринбург"), (MEN[3], True, "Новосибирск"))
    for (person, male, city), face in zip(holders, found.faces, strict=False):
        image, lines = passport(rng, person, male, city, face)
        add(image, camera_name(), "паспорт", "", lines, rng)

    rng = random.Random(f"{seed}-cards")
    titles = list(TITLES)
    rng.shuffle(titles)
    for title, company in zip(titles, rng.sample(COMPANIES, len(titles)), strict=True):
        image, lines = business_card(rng, rng.choice(MEN + WOMEN), title, company)
        if rng.random() < 0.5:
            add(image, camera_name(), "визитка", "", lines, rng)
        else:
            add(image, f"Scan_{len(made):02d}.jpg", "визитка", "", lines)

    rng = random.Random(f"{seed}-menus")
    restaurants = list(RESTAURANTS[:6])
    for restaurant in restaurants:
        pizza = "Пиццерия" in restaurant or rng.random() < 0.3
        image, lines = menu(rng, restaurant, pizza)
        add(image, camera_name(), "меню", "", lines, rng)

    rng = random.Random(f"{seed}-signs")
    for street, name in zip(found.streets, SIGNS, strict=True):
        with Image.open(street) as photo:
            image, lines = sign(rng, photo.convert("RGB"), name)
        add(image, camera_name(), "вывеска", "", lines, rng)

    rng = random.Random(f"{seed}-slides")
    for i, (title, bullets) in enumerate(SLIDES):
        size = (1920, 1080) if i % 2 == 0 else (1600, 900)
        image, lines = slide(rng, title, bullets, size)
        add(image, f"Slide_{i + 1:02d}.{'png' if i % 2 == 0 else 'jpg'}", "слайд", "", lines)

    rng = random.Random(f"{seed}-documents")
    for i, which in enumerate(("аренда", "заявление", "купля", "справка", "аренда",
                               "заявление")):
        image, lines = document(rng, which)
        if i >= 4:
            add(image, camera_name(), "документ", which, lines, rng)
        else:
            add(image, f"Scan_{len(made):02d}.jpg", "документ", which, lines)

    rng = random.Random(f"{seed}-screenshots")
    for i, (sub, size, dark, blocks) in enumerate(SCREEN_BLOCKS):
        image, lines = screenshot(rng, size, dark, blocks)
        add(image, f"Screenshot_2024{i + 1:02d}{rng.randint(10, 28)}.png", "скриншот", sub,
            lines)

    rng = random.Random(f"{seed}-photographed")
    pages: list[tuple[str, str, Image.Image, list[str]]] = []
    for which in ("заявление", "аренда"):
        image, lines = document(rng, which)
        pages.append(("документ", which, image, lines))
    paper, lines = receipt(rng, "Ашан", True)
    pages.append(("чек", "receipt", paper, lines))
    image, lines = menu(rng, RESTAURANTS[6], True)
    pages.append(("меню", "menu", image, lines))
    for (kind, which, paper, lines), table in zip(pages, found.tables, strict=True):
        with Image.open(table) as photo:
            background = cover(photo, (1600, 1200))
        angle = rng.choice((-1, 1)) * rng.uniform(3, 7)
        image = on_background(paper, background, angle, 0.9, rng)
        add(image, camera_name(), kind, f"photographed {which}", lines, rng)
    return made


def link_distractors(photos: Iterable[Path], folder: Path) -> None:
    for photo in photos:
        try:
            os.link(photo, folder / photo.name)
        except OSError:
            shutil.copyfile(photo, folder / photo.name)


# --- relevance --------------------------------------------------------------------------------
def tokens(text: str) -> list[str]:
    return WORD.findall(text.lower().replace("ё", "е"))


def has_form(words: list[str], form: str) -> bool:
    wanted = tokens(form)
    return any(words[i:i + len(wanted)] == wanted for i in range(len(words)))


def relevant(query: dict, manifest: Sequence[Rendered]) -> set[str]:
    """The rendered images the query's rule picks (see the queries file's "about")."""
    found = set()
    for item in manifest:
        if "kinds" in query and item.kind not in query["kinds"]:
            continue
        if "sub" in query and item.sub not in query["sub"]:
            continue
        words = tokens(item.text)
        if not all(any(has_form(words, form) for form in group)
                   for group in query.get("words", ())):
            continue
        if "phrase" in query and not has_form(words, query["phrase"]):
            continue
        found.add(item.name)
    return found


# --- the run ----------------------------------------------------------------------------------
@dataclass
class Outcome:
    q: str
    wanted: set[str]
    ours: QueryScore
    before: QueryScore
    understood: str
    ranking: list[str]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=Path, default=ROOT / "bench/queries/text.json")
    parser.add_argument("--keep", type=Path, help="build the library and its index here "
                        "(an empty or new folder) and keep them")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--render-only", action="store_true",
                        help="render the library, print each query's relevant images, stop")
    args = parser.parse_args()

    started = time.perf_counter()
    os.environ["OMP_THREAD_LIMIT"] = "1"  # as the pass runs (ocr.one_thread), before Tesseract
    one_thread()
    data = json.loads(args.queries.read_text(encoding="utf-8"))
    seed = int(data["seed"])
    labels = json.loads((COCO / "labels.json").read_text(encoding="utf-8"))
    settings = Settings()
    signals = load_signals(settings)
    signal = text_signal(settings)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        if any(args.keep.iterdir()):
            sys.exit(f"{args.keep} is not empty")
        work, cleanup = args.keep.resolve(), None
    else:
        cleanup = tempfile.TemporaryDirectory(prefix="smart-gallery-text-eval-")
        work = Path(cleanup.name)
    try:
        run(args, data, seed, labels, settings, signals, signal, work, started)
    finally:
        if cleanup is not None:
            cleanup.cleanup()


def run(args: argparse.Namespace, data: dict, seed: int, labels: dict[str, list[str]],
        settings: Settings, signals: list[Signal], signal: TextSignal, work: Path,
        started: float) -> None:
    folder = work / "photos"
    folder.mkdir()
    rng = random.Random(seed)
    found = backgrounds(labels, signals, rng)
    manifest = render_library(folder, seed, found)
    pool = [p for p in coco_photos() if p.name not in found.used]
    distractors = rng.sample(pool, DISTRACTORS)
    link_distractors(distractors, folder)
    (work / "manifest.json").write_text(json.dumps(
        [{"name": r.name, "kind": r.kind, "sub": r.sub, "lines": r.lines} for r in manifest],
        ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    wanted = {q["q"]: relevant(q, manifest) for q in data["queries"]}  # before any result
    print(f"library: {len(manifest)} rendered + {len(distractors)} COCO photos; "
          f"faces for {len(found.faces)} passports", file=sys.stderr, flush=True)
    if args.render_only:
        for q, names in wanted.items():
            print(f"{q}: {len(names)}: {', '.join(sorted(names))}")
        return

    engine = build_query_engine(settings)
    with Store(work / "index.sqlite3") as store:
        first = time.perf_counter()
        report = Indexer(store, signals, settings.batch_size,
                         facts=FactsReader.load()).index_folder(
            folder.resolve(), ScanOptions(settings.excludes, settings.index_hidden))
        first_seconds = time.perf_counter() - first
        print(f"first pass: {report.tagged} photos in {first_seconds:.0f} s; reading text…",
              file=sys.stderr, flush=True)
        passed = TextPass(store, signal).run()
        sources = signal_sources(settings)
        matrix = load_matrix(store, sources)
        without = load_matrix(store, {m: b for m, b in sources.items()
                                      if m != signal.model_id})
        facts = FactsTable.load(store)
        texts = TextTable.load(store, engine.analyzer.key)
        by_name = {Path(p).name: p for _, p, _, _ in store.photo_files()}
        read_text = {n: store.text_of(p) for n, p in by_name.items()}
        kinds_of = {}
        for name, path in by_name.items():
            tags = store.tags_of(path, signal.model_id)
            kinds_of[name] = ({KINDS[int(c)]: float(p) for c, p in
                               zip(tags.classes, tags.probs, strict=True)}
                              if tags is not None else {})
        for r in manifest:
            kinds_of.setdefault(r.name, {})

    outcomes = []
    ours, before = MethodScore(), MethodScore()
    for query in data["queries"]:
        q = query["q"]
        response = engine.search(q, matrix, limit=None, facts=facts, texts=texts)
        ranking = [Path(r.path).name for r in response.results]
        earlier = engine.search(q, without, limit=None, facts=facts, texts=None)
        score = score_ranking(q, ranking, wanted[q])
        old = score_ranking(q, [Path(r.path).name for r in earlier.results], wanted[q])
        ours.add(score)
        before.add(old)
        outcomes.append(Outcome(q, wanted[q], score, old, response.plan.describe(), ranking))

    report_queries(outcomes, ours, before, manifest, read_text, kinds_of)
    gate = report_gate(manifest, distractors, read_text, passed)
    kinds = report_kinds(manifest, distractors, kinds_of, read_text)
    seconds = time.perf_counter() - started
    print(json.dumps({"figure": "text_eval_run", "seconds": round(seconds),
                      "first_pass_seconds": round(first_seconds),
                      "text_pass_seconds": round(passed.seconds)}))
    print(f"run: {seconds:.0f} s (first pass {first_seconds:.0f} s, text pass "
          f"{passed.seconds:.0f} s)")
    if args.json:
        figures = {"queries_file": args.queries.name, "photos": len(matrix),
                   "ours": ours.as_json(), "without_text_pass": before.as_json(),
                   "gate": gate, "kinds": kinds, "seconds": round(seconds)}
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n",
                             encoding="utf-8")


def describe(name: str, manifest_by: dict[str, Rendered]) -> str:
    item = manifest_by.get(name)
    return f"{name} ({item.kind}{' ' + item.sub if item.sub else ''})" if item else \
        f"{name} (COCO)"


def report_queries(outcomes: Sequence[Outcome], ours: MethodScore, before: MethodScore,
                   manifest: Sequence[Rendered], read_text: dict[str, str | None],
                   kinds_of: dict[str, dict[str, float]]) -> None:
    by = {r.name: r for r in manifest}
    print(f"{'query':26s} {'rel':>4s} | {'P@10':>5s} {'FR':>4s} {'AP':>5s} {'found':>6s} | "
          f"{'no text P@10':>12s} {'AP':>5s}")
    for o in outcomes:
        s, b = o.ours, o.before
        hits = len(set(o.ranking) & o.wanted)
        print(f"{o.q[:26]:26s} {s.relevant:4d} | {s.p10:5.2f} {s.fr or '-':>4} {s.ap:5.2f} "
              f"{hits:>3d}/{len(o.ranking):<3d}| {b.p10:12.2f} {b.ap:5.2f}")
    print(f"{'MEAN over ' + str(len(ours.queries)) + ' queries':31s} | {ours.mean_p10:5.3f} "
          f"{'':4s} {ours.mean_ap:5.3f} {'':6s} | {before.mean_p10:12.3f} {before.mean_ap:5.3f}")
    if ours.no_relevant:
        print(f"no relevant image (not averaged): {', '.join(ours.no_relevant)}")
    print(json.dumps({"figure": "text_queries", "queries": len(ours.queries),
                      "mean_p10": round(ours.mean_p10, 4), "mean_ap": round(ours.mean_ap, 4),
                      "without_text_pass": {"mean_p10": round(before.mean_p10, 4),
                                            "mean_ap": round(before.mean_ap, 4)},
                      "per_query": [{"q": o.q, "relevant": o.ours.relevant,
                                     "p10": round(o.ours.p10, 3), "ap": round(o.ours.ap, 3),
                                     "fr": o.ours.fr, "returned": o.ours.returned,
                                     "no_text_p10": round(o.before.p10, 3),
                                     "no_text_ap": round(o.before.ap, 3),
                                     "understood": o.understood} for o in outcomes]},
                     ensure_ascii=False))
    print(f"text queries: P@10 {ours.mean_p10:.3f}, AP {ours.mean_ap:.3f} over "
          f"{len(ours.queries)} queries; without the text pass P@10 {before.mean_p10:.3f}, "
          f"AP {before.mean_ap:.3f}")
    print("== queries below P@10 1.00 or AP 0.90: what was understood, what it missed")
    for o in outcomes:
        if o.ours.p10 >= 1.0 and o.ours.ap >= 0.9:
            continue
        top = o.ranking[:10]
        wrong = [describe(n, by) for n in top if n not in o.wanted]
        missed = [n for n in sorted(o.wanted) if n not in top]
        print(f"- {o.q}: understood «{o.understood}»; returned {len(o.ranking)}")
        if wrong:
            print(f"    wrong in the first 10: {'; '.join(wrong[:6])}"
                  + (f" and {len(wrong) - 6} more" if len(wrong) > 6 else ""))
        for name in missed[:5]:
            rank = o.ranking.index(name) + 1 if name in o.ranking else None
            text = " / ".join((read_text.get(name) or "").splitlines())[:90]
            kinds = ", ".join(f"{k} {p:.2f}" for k, p in kinds_of.get(name, {}).items())
            print(f"    missed {describe(name, by)}: rank {rank or 'not returned'}; "
                  f"kinds [{kinds}]; read „{text}“")
        if len(missed) > 5:
            print(f"    … and {len(missed) - 5} more missed")


def report_gate(manifest: Sequence[Rendered], distractors: Sequence[Path],
                read_text: dict[str, str | None], passed: PassReport) -> dict[str, object]:
    rendered_sent = [r.name for r in manifest if read_text.get(r.name) is not None]
    coco_sent = [p.name for p in distractors if read_text.get(p.name) is not None]
    coco_with_text = [n for n in coco_sent if read_text.get(n)]
    by_kind = Counter(r.kind for r in manifest if read_text.get(r.name) is None)
    figures = {"figure": "text_gate", "rendered": len(manifest), "rendered_sent":
               len(rendered_sent), "rendered_share": round(len(rendered_sent) / len(manifest), 3),
               "rendered_not_sent": [r.name for r in manifest
                                     if read_text.get(r.name) is None],
               "rendered_not_sent_by_kind": dict(by_kind),
               "coco": len(distractors), "coco_sent": len(coco_sent),
               "coco_share": round(len(coco_sent) / len(distractors), 3),
               "coco_sent_with_text": len(coco_with_text),
               "pass": {k: getattr(passed, k) for k in ("read", "passed", "copied",
                                                        "with_text", "failed")}}
    print(json.dumps(figures, ensure_ascii=False))
    print(f"gate: sent {len(rendered_sent)} of {len(manifest)} rendered images to OCR "
          f"({len(rendered_sent) / len(manifest):.0%})"
          + (f", passed by {dict(by_kind)}" if by_kind else "")
          + f"; {len(coco_sent)} of {len(distractors)} COCO distractors "
          f"({len(coco_sent) / len(distractors):.0%}), text kept in {len(coco_with_text)}")
    return figures


def report_kinds(manifest: Sequence[Rendered], distractors: Sequence[Path],
                 kinds_of: dict[str, dict[str, float]], read_text: dict[str, str | None]
                 ) -> dict[str, object]:
    """Per rendered kind: how many got it, what else they got, the words read back; and
    the kinds the COCO distractors got."""
    rows: dict[str, dict[str, object]] = {}
    for kind in dict.fromkeys(r.kind for r in manifest):
        items = [r for r in manifest if r.kind == kind]
        got = sum(1 for r in items if kind in kinds_of[r.name])
        others = Counter(k for r in items for k in kinds_of[r.name] if k not in (kind, "текст"))
        recalls = []
        for r in items:
            want = Counter(w for w in tokens(r.text) if len(w) >= 2)
            have = Counter(w for w in tokens(read_text.get(r.name) or "") if len(w) >= 2)
            recalls.append(sum((want & have).values()) / max(1, sum(want.values())))
        rows[kind] = {"rendered": len(items), "got_kind": got, "other_kinds": dict(others),
                      "word_recall": round(statistics.fmean(recalls), 3)}
    coco_kinds = Counter(k for p in distractors for k in kinds_of.get(p.name, {}))
    print(json.dumps({"figure": "text_kinds", "by_kind": rows, "coco": dict(coco_kinds)},
                     ensure_ascii=False))
    print("kinds: " + "; ".join(
        f"{k} {v['got_kind']}/{v['rendered']} (words read {v['word_recall']:.0%}"
        + (", also " + ", ".join(f"{o} {n}" for o, n in v["other_kinds"].items())
           if v["other_kinds"] else "") + ")" for k, v in rows.items())
        + "; COCO distractors: " + (", ".join(f"{k} {n}" for k, n in coco_kinds.items())
                                    or "none"))
    return {"rendered": rows, "coco": dict(coco_kinds)}


if __name__ == "__main__":
    main()
