"""The page in headless Chromium: chat, then the gates inside the model; screenshots saved.

Needs Debian's ``chromium`` (``.ci/run`` installs it) and the ``playwright`` package (the
``test`` extra); ``playwright install`` is not needed. Screenshots go to the test's temporary
folder, and also to ``$SEQ2SEQ_UI_SCREENSHOTS`` when it is set.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from ui_models import Server, tiny_models  # noqa: F401  (a session fixture)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed (apt-get install -y chromium)")


@pytest.fixture(scope="module")
def server(tiny_models, tmp_path_factory):
    running = Server([tiny_models["chat"]], tmp_path_factory.mktemp("browser-server"))  # an LSTM chatbot
    yield running
    running.stop()


@pytest.fixture(scope="module")
def page():
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser.new_page(viewport={"width": 1280, "height": 900})
        browser.close()


def screenshot(page, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("SEQ2SEQ_UI_SCREENSHOTS"):
        folder = Path(os.environ["SEQ2SEQ_UI_SCREENSHOTS"])
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, folder / name)
    assert path.stat().st_size > 10_000
    return path


def test_chat_then_the_gates_inside_the_model(server, page, tmp_path):
    page.goto(server.url)
    page.get_by_role("heading", name="seq2seq: chat with").wait_for(timeout=60_000)
    box = page.locator("#chat-message textarea")
    box.fill("a b c")
    box.press("Enter")
    user = page.locator('[data-testid="user"]')
    bot = page.locator('[data-testid="bot"]')
    bot.first.wait_for(timeout=60_000)
    assert "a b c" in user.first.inner_text()
    assert box.input_value() == ""
    screenshot(page, tmp_path, "ui-chat.png")

    page.get_by_role("tab", name="Inside the model").click()
    sentence = page.locator("#inside-sentence textarea")
    sentence.fill("a b c d")
    sentence.press("Enter")
    heatmap = page.locator("#inside-gates img")
    heatmap.first.wait_for(timeout=60_000)
    assert heatmap.first.bounding_box()["height"] > 100
    assert page.get_by_text("Forget gate: how much").is_visible()
    assert page.get_by_text("The forward direction reads from the first piece").is_visible()

    page.locator("#inside-layer input").click()  # the encoder is bidirectional: its other half
    page.get_by_role("option", name="layer 1, backward").click()
    page.get_by_text("The backward direction reads from the last piece").wait_for(timeout=60_000)
    assert heatmap.first.bounding_box()["height"] > 100
    screenshot(page, tmp_path, "ui-inside.png")
    log = server.stderr()
    assert "Warning" not in log and "Traceback" not in log, log
