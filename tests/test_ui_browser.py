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
    running = Server([tiny_models["chat"], tiny_models["translator"]],  # an LSTM chatbot, a GRU translator
                     tmp_path_factory.mktemp("browser-server"))
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
    assert page.get_by_text("Update gate: how much").is_visible()  # the translator first, a GRU
    assert page.get_by_text("The forward direction reads from the first piece").is_visible()

    page.locator("#inside-layer input").click()  # the encoder is bidirectional: its other half
    page.get_by_role("option", name="layer 1, backward").click()
    page.get_by_text("The backward direction reads from the last piece").wait_for(timeout=60_000)
    assert heatmap.first.bounding_box()["height"] > 100
    screenshot(page, tmp_path, "ui-inside.png")

    # Another model: the same sentence through it at once (the last model's gates stayed on screen before)
    page.locator("#inside-model input").click()
    page.get_by_role("option", name="chatbot-lstm (chat)").click()
    page.get_by_text("Forget gate: how much").wait_for(timeout=60_000)
    assert not page.get_by_text("Update gate: how much").is_visible()

    page.get_by_role("tab", name="Translate").click()  # Enter in the source box translates
    source = page.locator("#translate-source textarea")
    source.fill("a b c d")
    source.press("Enter")
    page.locator("#translate-attention img").first.wait_for(timeout=60_000)  # translated, attention drawn
    assert source.input_value() == "a b c d"  # no new line added to it

    from seq2seq.ui.app import TRANSLATE_EXAMPLES

    drawn = page.locator("#translate-attention img").first.get_attribute("src")
    page.get_by_text(TRANSLATE_EXAMPLES[1]).click()  # an example translates at once: its attention is drawn
    wait_until(lambda: page.locator("#translate-attention img").first.get_attribute("src") not in (None, drawn))
    assert source.input_value() == TRANSLATE_EXAMPLES[1]
    source.fill("a " * 1_500)  # too long: an error, and the last translation and heatmap leave
    source.press("Enter")
    page.get_by_text("characters long; the limit is", exact=False).first.wait_for(timeout=30_000)
    wait_until(lambda: page.locator("#translate-attention img").count() == 0)
    log = server.stderr()
    assert "Warning" not in log and "Traceback" not in log, log


def test_on_a_phone_the_boxes_take_a_line_of_their_own(server, page):
    """At 400 pixels wide the chat's message box is not squeezed beside its buttons, nor the
    translation beside its source; at 1280 each row stays one row."""
    def boxes(*ids):
        return [page.locator(f"#{elem_id}").bounding_box() for elem_id in ids]

    try:
        for width in (400, 1280):
            page.set_viewport_size({"width": width, "height": 850})
            page.goto(server.url)
            page.locator("#chat-message textarea").wait_for(timeout=60_000)
            message, send = boxes("chat-message", "chat-send")
            assert (send["y"] >= message["y"] + message["height"]) == (width == 400)
            assert message["width"] > 300
            page.get_by_role("tab", name="Translate").click()
            source, target = boxes("translate-source", "translate-target")
            assert (target["y"] >= source["y"] + source["height"]) == (width == 400)
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})


class HeldDecoder:
    """A ``BatchingDecoder`` whose first reply waits for ``release``: a slow reply, on cue."""

    def __init__(self):
        import threading

        from seq2seq.ui.batching import BatchingDecoder

        self.inner = BatchingDecoder()
        self.lock = self.inner.lock  # the inside tab shares it
        self.sources: list[str] = []  # what each call decoded
        self.done = 0  # calls returned
        self.release = threading.Event()

    def decode(self, translator, source, options, attention=False):
        self.sources.append(source)
        if len(self.sources) == 1:
            self.release.wait(timeout=60)
        output = self.inner.decode(translator, source, options, attention)
        self.done += 1
        return output


@pytest.fixture()
def held_app(tiny_models):
    """The page in this process, on a decoder that holds the first reply until released."""
    from ui_models import free_port

    from seq2seq.ui.app import build_demo
    from seq2seq.ui.models import describe

    decoder = HeldDecoder()
    demo = build_demo([describe(tiny_models["chat"], strict=True)], decoder=decoder)
    demo.launch(server_port=free_port(), prevent_thread_lock=True, quiet=True)
    yield demo, decoder
    decoder.release.set()
    demo.close()


def wait_until(condition, timeout: float = 60.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def open_held_chat(page, demo, decoder):
    """The page's message box and its user and bot bubbles, once "a b c" is sent and its reply held."""
    page.goto(demo.local_url)
    box, user, bot = (page.locator("#chat-message textarea"), page.locator('[data-testid="user"]'),
                      page.locator('[data-testid="bot"]'))
    box.wait_for(timeout=60_000)
    box.fill("a b c")
    box.press("Enter")
    wait_until(lambda: len(decoder.sources) == 1)  # the reply is being decoded, and held
    return box, user, bot


@pytest.mark.filterwarnings("ignore:::gradio")  # the server runs in this process: Gradio's own pandas deprecations
def test_clearing_the_chat_starts_a_new_conversation_even_with_a_reply_pending(held_app, page):
    """The Clear button (while a reply is being decoded and another message waits) and the chat
    window's bin each start a new conversation: the old turns neither come back on screen nor
    reach the model as context, and the waiting message is not decoded."""
    from seq2seq.chat.conversation import context_source

    demo, decoder = held_app
    box, user, bot = open_held_chat(page, demo, decoder)

    def send(text: str) -> None:
        replies = bot.count()
        box.fill(text)
        box.press("Enter")
        wait_until(lambda: bot.count() > replies)

    box.fill("queued")
    box.press("Enter")
    wait_until(lambda: user.count() == 2)  # waiting for the first reply
    page.locator("#chat-clear").click()
    decoder.release.set()
    wait_until(lambda: decoder.done == 1)
    page.wait_for_timeout(1000)  # the held reply is back, and dropped; "queued" is not decoded at all
    assert user.count() == 0 and bot.count() == 0
    send("d e f")
    assert [u.inner_text().strip() for u in user.all()] == ["d e f"]
    assert decoder.sources[1] == context_source(["d e f"], 2)  # "a b c" is not in its context

    page.locator('#chat-window button[aria-label="Clear"]').click()  # the chat window's bin
    wait_until(lambda: user.count() == 0)
    send("g h")
    assert decoder.sources[2] == context_source(["g h"], 2)
    send("<b>i</b> **j**")  # shown as typed, not as HTML or Markdown
    assert user.last.inner_text().strip() == "<b>i</b> **j**"


@pytest.mark.filterwarnings("ignore:::gradio")  # the server runs in this process: Gradio's own pandas deprecations
def test_the_message_box_is_free_while_a_reply_is_decoded(held_app, page):
    """Sending empties the box at once; what the user types meanwhile stays when the reply comes.
    A message that fails (too long) stays in the box, off the chat window."""
    from seq2seq.ui.respond import MAX_INPUT_CHARS

    demo, decoder = held_app
    box, user, bot = open_held_chat(page, demo, decoder)
    assert box.input_value() == ""
    box.fill("typed ahead")
    decoder.release.set()
    wait_until(lambda: bot.count() == 1)
    page.wait_for_timeout(500)
    assert [u.inner_text().strip() for u in user.all()] == ["a b c"]
    assert box.input_value() == "typed ahead"

    too_long = "x " * MAX_INPUT_CHARS
    box.fill(too_long)
    box.press("Enter")
    page.get_by_text("characters long; the limit is", exact=False).first.wait_for(timeout=30_000)
    assert box.input_value() == too_long
    assert user.count() == 1 and bot.count() == 1


@pytest.mark.filterwarnings("ignore:::gradio")  # the server runs in this process: Gradio's own pandas deprecations
def test_messages_sent_while_a_reply_is_decoded_are_each_answered_after_it(held_app, page):
    """Two more messages typed and sent while the first reply is held: all three on screen at once,
    letter for letter, then answered in order, each reading the replies before it. An example,
    clicked, is sent as it is, and what was typed in the box stays there."""
    from seq2seq.chat.conversation import context_source

    demo, decoder = held_app
    box, user, bot = open_held_chat(page, demo, decoder)
    for text in ("d e f", "g h"):  # typed as a fast typist does, with no pause after Enter
        page.keyboard.type(text, delay=30)
        page.keyboard.press("Enter")
    wait_until(lambda: user.count() == 3)
    assert bot.count() == 0 and len(decoder.sources) == 1  # the others wait for the first reply
    decoder.release.set()
    wait_until(lambda: bot.count() == 3)
    replies = ["" if text == "…" else text for text in (b.inner_text().strip() for b in bot.all())]  # empty: "…"
    assert [u.inner_text().strip() for u in user.all()] == ["a b c", "d e f", "g h"]
    assert decoder.sources[1:] == [context_source(["a b c", replies[0], "d e f"], 2),
                                   context_source(["a b c", *replies[:1], "d e f", replies[1], "g h"], 2)]

    box.fill("half typed")
    page.get_by_text("do you have any pets?").click()
    wait_until(lambda: bot.count() == 4)
    assert user.last.inner_text().strip() == "do you have any pets?" and box.input_value() == "half typed"
    assert decoder.sources[3] == context_source(["d e f", replies[1], "g h", replies[2], "do you have any pets?"], 2)
