"""The popup and people: «Этот человек» shows the photos of the person in the selected
photo, «Назвать человека…» names them, and the name then finds them. The real Tk window
under Xvfb, a real daemon, real photos of faces."""

from __future__ import annotations

import shutil

import pytest
from daemon_process import DaemonProcess
from face_photos import photos_of
from test_popup import Recorder, names, pump

from tray.popup import Popup

MENU_PERSON, MENU_NAME = 4, 5


@pytest.fixture(scope="module")
def family(tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("people")
    photos = base / "Семья"
    photos.mkdir()
    for n, source in enumerate(photos_of("Kofi_Annan")[:3]):
        shutil.copy(source, photos / f"дед {n}.jpg")
    for n, source in enumerate(photos_of("Katy_Perry")[:2]):
        shutil.copy(source, photos / f"тётя {n}.jpg")
    with DaemonProcess(base / "home") as daemon:
        daemon.start()
        daemon.call("folders.add", path=str(photos))
        daemon.wait_idle()
        yield daemon


def _searched(window, daemon: DaemonProcess, query: str) -> Popup:
    root, tmp_path = window
    popup = Popup(root, daemon.socket, Recorder().actions(), thumbnail_root=tmp_path / "t",
                  debounce_ms=50)
    popup.query.set(query)
    pump(root, lambda: popup.searches >= 1 and popup.cells
         and popup.thumbnails_shown == len(popup.cells))
    return popup


def test_this_person_then_name_them_then_find_them_by_name(window, family) -> None:
    root = window[0]
    popup = _searched(window, family, "мужчина")
    assert names(popup)[0].startswith("дед")
    popup.menu.invoke(MENU_PERSON)  # «Этот человек»
    pump(root, lambda: popup.searches >= 2)
    assert sorted(names(popup)) == ["дед 0.jpg", "дед 1.jpg", "дед 2.jpg"]
    assert popup.status["text"].startswith("Человек без имени: 3 фото · ")

    popup.menu.invoke(MENU_NAME)  # «Назвать человека…»
    pump(root, lambda: popup.name_dialog is not None and popup.name_dialog.window.winfo_exists())
    dialog = popup.name_dialog
    assert dialog is not None and dialog.name.get() == ""
    dialog.name.set("Дедушка")
    dialog.save_button.invoke()
    pump(root, lambda: popup.status["text"].startswith("Сохранено: «Дедушка», 3 фото"))
    assert not dialog.window.winfo_exists()

    popup.query.set("с дедушкой")
    pump(root, lambda: popup.searches >= 4 and popup.thumbnails_shown == len(popup.cells))
    assert sorted(names(popup)) == ["дед 0.jpg", "дед 1.jpg", "дед 2.jpg"]


def test_the_words_for_people_find_the_woman_and_her_photos(window, family) -> None:
    root = window[0]
    popup = _searched(window, family, "тётя")  # «тётя» is a woman: the faces say so
    assert names(popup)[0].startswith("тётя")
    popup.menu.invoke(MENU_PERSON)
    pump(root, lambda: popup.searches >= 2)
    assert sorted(names(popup)) == ["тётя 0.jpg", "тётя 1.jpg"]
