"""The web UI: its plain respond functions, then the real ``seq2seq ui`` server through
``gradio_client`` (one server for the module, tiny checkpoints trained here)."""

from __future__ import annotations

import dataclasses
import html
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from ui_models import Server, tiny_models  # noqa: F401  (a session fixture)

from seq2seq.chat.conversation import context_source
from seq2seq.cli import main
from seq2seq.decoding import DecodingOptions
from seq2seq.decoding.translator import Output
from seq2seq.ui import respond
from seq2seq.ui.batching import BatchingDecoder
from seq2seq.checkpoint import CHAT, TRANSLATION, model_kind
from seq2seq.ui.models import ModelCache, discover

ROOT = Path(__file__).resolve().parents[1]
GREEDY = DecodingOptions(method="greedy")
CHAT_GREEDY = respond.page_defaults(respond.CHAT_DEFAULTS, "greedy")  # what the page's chat decodes with for "greedy"


@pytest.fixture(scope="module")
def models(tiny_models):
    return tiny_models  # "chat": an LSTM chatbot (context_turns 2); "translator": a GRU translator


@pytest.fixture(scope="module")
def cache():
    return ModelCache()


# --- the model picker ------------------------------------------------------------------------------


@pytest.mark.parametrize("data, kind", [
    ({"corpora": ["chitchat"], "context_turns": 1}, CHAT),
    ({"corpora": ["chitchat", "chatterbot"], "context_turns": 2}, CHAT),
    ({"corpora": ["chatterbot:english"]}, CHAT),
    ({"corpora": ["jsonl:/data/talk.jsonl"], "context_turns": 3}, CHAT),
    ({"corpora": ["multi30k:de-en"], "context_turns": 1}, TRANSLATION),
    ({"corpora": ["tsv:pairs.tsv"]}, TRANSLATION),
])
def test_chat_models_are_told_from_translation_models(data, kind):
    assert model_kind({"data": data}) == kind


def test_the_shipped_translator_is_a_translation_model():
    config = json.loads((ROOT / "checkpoints" / "multi30k-de-en" / "config.json").read_text())
    assert model_kind(config) == TRANSLATION


def test_discover_lists_checkpoint_folders_chat_first_once_each(models, tmp_path):
    (tmp_path / "not-a-checkpoint").mkdir()
    listed = discover([models["translator"], models["chat"], models["chat"]], folder=tmp_path)
    assert [(m.name, m.kind, m.context_turns) for m in listed] == [
        ("chatbot-lstm", CHAT, 2), ("reverse-gru", TRANSLATION, 1)]
    assert [m.name for m in discover([], folder=models["chat"].parent)] == ["chatbot-lstm", "reverse-gru"]


def test_the_cache_loads_a_model_once_for_many_threads(monkeypatch, tmp_path):
    import seq2seq.decoding.translator as translator_module

    calls = []

    def slow_load(path):
        calls.append(path)
        time.sleep(0.2)
        return object(), {"path": path}

    monkeypatch.setattr(translator_module, "load_translator", slow_load)
    cache = ModelCache()
    with ThreadPoolExecutor(8) as pool:
        loaded = list(pool.map(lambda _: cache.get(tmp_path), range(8)))
    assert len(calls) == 1 and all(item is loaded[0] for item in loaded)
    cache.get(tmp_path / "other")
    assert len(calls) == 2


# --- batching -------------------------------------------------------------------------------------


class ReversingTranslator:
    """Answers each source reversed; records the batches it was given."""

    def __init__(self, delay: float = 0.05):
        self.batches, self.delay = [], delay

    def translate(self, texts, options, batch_size, attention=False):
        self.batches.append((list(texts), options, attention))
        time.sleep(self.delay)
        return [Output(text=text[::-1], score=0.0) for text in texts]


def test_simultaneous_requests_are_decoded_together_and_each_gets_its_own_answer():
    translator, decoder = ReversingTranslator(), BatchingDecoder(max_batch=32, window=0.05)
    barrier = threading.Barrier(20)

    def ask(i):
        barrier.wait()
        return decoder.decode(translator, f"sentence {i}", GREEDY).text

    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(ask, range(20)))
    assert answers == [f"sentence {i}"[::-1] for i in range(20)]
    assert len(translator.batches) <= 3 and sum(len(b[0]) for b in translator.batches) == 20


def test_requests_with_different_options_are_never_mixed_in_one_batch():
    translator, decoder = ReversingTranslator(), BatchingDecoder(window=0.05)
    beam = DecodingOptions(method="beam", beam=3)
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(lambda i: decoder.decode(translator, str(i), GREEDY if i % 2 else beam), range(6)))
    for texts, options, _ in translator.batches:
        assert {int(t) % 2 for t in texts} == ({1} if options == GREEDY else {0})


def test_a_failed_batch_fails_its_requests_and_the_worker_goes_on():
    class Failing(ReversingTranslator):
        def translate(self, texts, options, batch_size, attention=False):
            raise RuntimeError("boom")

    decoder = BatchingDecoder(window=0.0)
    with pytest.raises(RuntimeError, match="boom"):
        decoder.decode(Failing(), "a", GREEDY)
    assert decoder.decode(ReversingTranslator(0), "ab", GREEDY).text == "ba"


# --- respond --------------------------------------------------------------------------------------


def test_page_settings_become_decoding_options():
    options = respond.decoding_options(respond.CHAT_DEFAULTS, "beam search", 0.5, 7, 0.8, 4)
    assert (options.method, options.beam, options.temperature, options.top_k, options.top_p) == ("beam", 4, 0.5, 7, 0.8)
    assert options.no_repeat_ngram == respond.CHAT_DEFAULTS.no_repeat_ngram
    assert respond.decoding_options(respond.TRANSLATION_DEFAULTS, "sampling", 1, 0, 1, 5).method == "sample"
    assert respond.decoding_options(respond.CHAT_DEFAULTS, "sampling", 1, 40, 0.9, 5, 4).samples == 4
    # the samples slider where it was, another method chosen: not an error, one output
    assert respond.decoding_options(respond.CHAT_DEFAULTS, "greedy", 1, 40, 0.9, 5, 4).samples == 1
    assert respond.page_defaults(respond.CHAT_DEFAULTS) == respond.CHAT_DEFAULTS
    assert respond.page_defaults(respond.TRANSLATION_DEFAULTS) == respond.TRANSLATION_DEFAULTS


def test_a_chat_reply_reads_the_last_turns_as_in_training(models, cache):
    translator, _ = cache.get(models["chat"])
    decoder = BatchingDecoder()
    first, turns = respond.chat_reply(decoder, translator, 2, [], "a b c", GREEDY)
    second, turns = respond.chat_reply(decoder, translator, 2, turns, "d e f", GREEDY)
    assert turns == ["a b c", first, "d e f", second]
    expected = translator.translate([context_source(["a b c", first, "d e f"], 2)], GREEDY)[0].text
    assert second == expected
    assert respond.chat_reply(decoder, translator, 2, turns, " \x00\t ", GREEDY) == ("", turns)
    cuts = []
    respond.chat_reply(decoder, translator, 2, turns, "g h", GREEDY, on_cut=cuts.append)
    assert cuts == []
    respond.chat_reply(decoder, translator, 2, turns, " ".join(["a b c"] * 60), GREEDY, on_cut=cuts.append)
    assert cuts == [translator.max_source_pieces] == [128]  # 180 words: the model reads its first 128 pieces


def test_a_translation_longer_than_the_model_reads_is_reported(models, cache):
    translator, _ = cache.get(models["translator"])
    decoder, cuts = BatchingDecoder(), []
    short = respond.translate_text(decoder, translator, "a b c", GREEDY, on_cut=cuts.append)
    assert cuts == [] and short.text == translator.translate(["a b c"], GREEDY)[0].text
    respond.translate_text(decoder, translator, " ".join(["a b c"] * 60), GREEDY, on_cut=cuts.append)
    assert cuts == [translator.max_source_pieces] == [128]  # 180 words: the model reads its first 128 pieces


def test_overlong_input_gets_a_clear_message_before_any_decoding():
    class Untouchable:
        def decode(self, *args, **kwargs):
            raise AssertionError("decoded an overlong input")

    with pytest.raises(respond.InputTooLong, match=r"2,001 characters long; the limit is 2,000"):
        respond.chat_reply(Untouchable(), None, 1, [], "a" * 2_001, GREEDY)
    with pytest.raises(respond.InputTooLong):
        respond.translate_text(Untouchable(), None, "b" * 100_000, GREEDY)


def test_turns_become_chat_messages():
    assert respond.turns_to_messages(["hi", "hello", "bye"]) == [
        {"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}, {"role": "user", "content": "bye"}]


# --- inside the model -----------------------------------------------------------------------------


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def reference_gates(cell, embedded):
    """The gates of one sequence ``embedded (T, E)`` in NumPy, from the cell's weights."""
    from keras import ops

    kernel, recurrent, bias = (ops.convert_to_numpy(w) for w in (cell.kernel, cell.recurrent_kernel, cell.bias))
    units = recurrent.shape[0]
    h, c, rows = np.zeros(units), np.zeros(units), []
    for x in embedded:
        if cell.__class__.__name__.startswith("LSTM"):
            z = x @ kernel + h @ recurrent + bias
            i, f, g, o = sigmoid(z[:units]), sigmoid(z[units:2 * units]), np.tanh(z[2 * units:3 * units]), sigmoid(z[3 * units:])
            c = f * c + i * g
            h = o * np.tanh(c)
            rows.append({"input_gate": i, "forget_gate": f, "output_gate": o, "cell_state": c})
        else:  # GRU, reset_after: bias (2, 3U)
            xz, xr, xh = np.split(x @ kernel + bias[0], 3)
            hz, hr, hh = np.split(h @ recurrent + bias[1], 3)
            z, r = sigmoid(xz + hz), sigmoid(xr + hr)
            h = z * h + (1 - z) * np.tanh(xh + r * hh)
            rows.append({"update_gate": z, "reset_gate": r})
    return {name: np.stack([row[name] for row in rows]) for name in rows[0]}


@pytest.mark.parametrize("name, gates", [("chat", ["input_gate", "forget_gate", "output_gate", "cell_state"]),
                                         ("translator", ["update_gate", "reset_gate"])])
@pytest.mark.parametrize("direction", ["forward", "backward"])
def test_the_gates_shown_are_the_cells_own_numbers(models, cache, name, gates, direction):
    from seq2seq.ui.inside import encoder_gates, source_ids

    translator, _ = cache.get(models[name])
    report = encoder_gates(translator, "a b c d e", direction=direction)
    ids = source_ids(translator, "a b c d e")
    assert list(report.gates) == gates and len(report.pieces) == len(ids) and report.direction == direction
    embedded = translator.model.encoder.embedding(np.asarray([ids])).numpy()[0]
    bidirectional = translator.model.encoder.rnns[0]
    if direction == "forward":
        expected = reference_gates(bidirectional.forward_layer.cell, embedded)
    else:  # it reads the pieces from the last; the page shows its rows in piece order
        read = reference_gates(bidirectional.backward_layer.cell, embedded[::-1])
        expected = {gate: values[::-1] for gate, values in read.items()}
    for gate in gates:
        np.testing.assert_allclose(report.gates[gate], expected[gate], atol=1e-5)
    np.testing.assert_allclose(report.averaged(), np.stack([expected[g].mean(-1) for g in gates], -1), atol=1e-5)


def test_a_deeper_layer_reads_the_output_of_the_layers_under_it(models, cache):
    import keras

    from seq2seq.decoding import Translator
    from seq2seq.model import Seq2Seq
    from seq2seq.ui.inside import encoder_gates, encoder_views, parse_view, source_ids

    trained, _ = cache.get(models["translator"])
    keras.utils.set_random_seed(0)
    config = dataclasses.replace(trained.model.config, layers=2)  # two bidirectional GRU layers, untrained
    translator = Translator(Seq2Seq(config), trained.tokenizer)
    assert encoder_views(config) == [("layer 1, forward", "1 forward"), ("layer 1, backward", "1 backward"),
                                     ("layer 2, forward", "2 forward"), ("layer 2, backward", "2 backward")]
    assert parse_view(config, "2 backward") == (2, "backward") and parse_view(config, "7 up") == (1, "forward")
    assert encoder_views(dataclasses.replace(config, bidirectional=False)) == [("layer 1", "1"), ("layer 2", "2")]
    ids = source_ids(translator, "a b c d e")
    encoder = translator.model.encoder
    below = encoder.rnns[0](encoder.embedding(np.asarray([ids])))[0].numpy()[0]  # (S, 2U): layer 2's input
    for direction, cell, rows in (("forward", encoder.rnns[1].forward_layer.cell, slice(None)),
                                  ("backward", encoder.rnns[1].backward_layer.cell, slice(None, None, -1))):
        report = encoder_gates(translator, "a b c d e", layer=2, direction=direction)
        expected = reference_gates(cell, below[rows])
        assert report.layer == 2
        for gate in ("update_gate", "reset_gate"):
            np.testing.assert_allclose(report.gates[gate], expected[gate][rows], atol=1e-5)


def test_greedy_output_is_the_top_candidate_at_every_step(models, cache):
    from seq2seq.ui.inside import look_inside

    translator, _ = cache.get(models["translator"])
    report, output, steps = look_inside(translator, "a b c d")
    assert [s.chosen for s in steps] == [*output.pieces, translator.tokenizer.target_piece(3)]
    capped = len(output.pieces) >= GREEDY.cap(len(report.pieces))
    for step in steps[: len(steps) - capped]:
        assert step.candidates[0][0] == step.chosen
    for step in steps:
        probabilities = [p for _, p in step.candidates]
        assert len(probabilities) == 5 and probabilities == sorted(probabilities, reverse=True)
        assert 0 < sum(probabilities) <= 1 + 1e-6
    # the chat's length caps (the page passes the model kind's defaults), and nothing else of them
    _, short, short_steps = look_inside(translator, "a b c d", lengths=DecodingOptions(max_len=2, no_repeat_ngram=1))
    assert len(output.pieces) > 2 and short.pieces == output.pieces[:2] and len(short_steps) == 3


def test_the_gate_figures_have_one_heatmap_per_gate(models, cache):
    from seq2seq.ui.figures import gates_figure
    from seq2seq.ui.inside import encoder_gates

    report = encoder_gates(cache.get(models["chat"])[0], "a b c")
    each = gates_figure(report)
    assert [a.get_title() for a in each.axes if a.get_title()] == ["input gate", "forget gate", "output gate", "cell state"]
    averaged = gates_figure(report, averaged=True)
    np.testing.assert_allclose(averaged.axes[0].images[0].get_array(), report.averaged(), atol=1e-6)


# --- the command line -----------------------------------------------------------------------------


def test_bad_auth_is_a_usage_error():
    result = CliRunner().invoke(main, ["ui", "--auth", "nopassword"])
    assert result.exit_code == 2 and "USER:PASSWORD" in result.output


def test_no_checkpoint_at_all_is_one_error_line(tmp_path):
    import socket

    with socket.socket() as probe:  # a free port (binding port 1 needs root)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = CliRunner().invoke(main, ["ui", "--port", str(port)], env={"SEQ2SEQ_CHECKPOINTS": str(tmp_path)})
    assert result.exit_code == 1 and result.stderr.startswith(f"Error: no checkpoint in {tmp_path};")
    assert "Traceback" not in result.output


def test_no_checkpoint_names_the_folder_searched(tmp_path):
    from seq2seq.ui.serve import NoModels, serve

    with pytest.raises(NoModels) as raised:
        serve(folder=tmp_path, port=0, block=False)
    assert str(raised.value).startswith(f"no checkpoint in {tmp_path};")  # not the shipped folder's


def test_auth_protects_the_page_and_only_localhost_listens(models, tmp_path):
    from gradio_client import Client

    from seq2seq.ui.serve import serve

    demo = serve([models["chat"]], port=_port(), auth=("ada", "lovelace"), block=False, folder=tmp_path)
    try:
        assert demo.server_name == "127.0.0.1" and not demo.share
        with pytest.raises(Exception):
            Client(demo.local_url, verbose=False)
        client = Client(demo.local_url, auth=("ada", "lovelace"), verbose=False)
        assert isinstance(client.predict("a b", api_name="/chat"), str)
    finally:
        demo.close()


def test_serving_compiles_the_first_models_decoding_before_the_page_opens(models):
    from seq2seq.ui.models import describe
    from seq2seq.ui.serve import warm_up

    cache = ModelCache()
    for name, first_use in (("chat", lambda t: t.translate(["a b"], respond.page_defaults(respond.CHAT_DEFAULTS))),
                            ("translator", lambda t: respond.translate_text(BatchingDecoder(), t, "a b",
                                                                            respond.page_defaults(respond.TRANSLATION_DEFAULTS)))):
        warm_up(cache, describe(Path(models[name])))
        translator, _ = cache.get(models[name])
        compiled = dict(translator._compiled)
        assert len(compiled) == 1
        first_use(translator)  # what the page does with its default settings: nothing new to compile
        assert translator._compiled == compiled


def _port():
    from ui_models import free_port

    return free_port()


# --- the real server ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(models, tmp_path_factory):
    running = Server([models["chat"], models["translator"]], tmp_path_factory.mktemp("server"))
    yield running
    running.stop()


def client(server):
    from gradio_client import Client

    return Client(server.url, verbose=False)


def test_the_banner_gives_the_local_address(server):
    assert f"open {server.url}" in server.banner and "chatbot-lstm (chat)" in server.banner


def test_chat_on_the_api_answers_with_the_reply_text(server, models, cache):
    translator, _ = cache.get(models["chat"])
    reply = client(server).predict("a b c", method="greedy", api_name="/chat")
    assert reply == translator.translate([context_source(["a b c"], 2)], CHAT_GREEDY)[0].text
    assert isinstance(client(server).predict("hello", api_name="/chat"), str)  # the default: sampling


def test_the_api_offers_chat_and_translate_only(server):
    endpoints = client(server).view_api(print_info=False, return_format="dict")
    assert set(endpoints["named_endpoints"]) == {"/chat", "/translate"} and not endpoints["unnamed_endpoints"]


def test_two_clients_keep_separate_histories(server, models, cache):
    translator, _ = cache.get(models["chat"])
    alice, bob = client(server), client(server)
    first = alice.predict("a b c", method="greedy", api_name="/chat")
    alice_second = alice.predict("d e f", method="greedy", api_name="/chat")
    bob_first = bob.predict("d e f", method="greedy", api_name="/chat")
    greedy = lambda turns: translator.translate([context_source(turns, 2)], CHAT_GREEDY)[0].text  # noqa: E731
    assert alice_second == greedy(["a b c", first, "d e f"])
    assert bob_first == greedy(["d e f"])


def test_translate_on_the_api_answers_with_the_translation(server, models, cache):
    translator, _ = cache.get(models["translator"])
    beam = respond.TRANSLATION_DEFAULTS
    text = client(server).predict("a b c d", api_name="/translate")
    assert text == translator.translate(["a b c d"], beam)[0].text


def test_each_tab_offers_every_model_its_own_kind_first(server, models, cache):
    # A model trained on your own pairs (tsv:, as the tiny translator is) may be a chatbot.
    translator, _ = cache.get(models["translator"])
    reply = client(server).predict("a b c", model=models["translator"].name, method="greedy", api_name="/chat")
    assert reply == translator.translate([context_source(["a b c"], 1)], CHAT_GREEDY)[0].text
    chatbot, _ = cache.get(models["chat"])
    text = client(server).predict("a b c d", model=models["chat"].name, api_name="/translate")
    assert text == chatbot.translate(["a b c d"], respond.TRANSLATION_DEFAULTS)[0].text
    endpoints = client(server).view_api(print_info=False, return_format="dict")["named_endpoints"]
    for name, first in (("/chat", models["chat"]), ("/translate", models["translator"])):
        model = next(p for p in endpoints[name]["parameters"] if p["parameter_name"] == "model")
        assert model["parameter_default"] == first.name  # the folder's name: the server's paths stay its own
    assert str(models["chat"].parent) not in json.dumps(endpoints)


def test_twenty_concurrent_clients_are_all_answered(server):
    clients = [client(server) for _ in range(20)]
    with ThreadPoolExecutor(20) as pool:
        replies = list(pool.map(lambda c: c.predict("a b c", api_name="/chat"), clients))
    assert len(replies) == 20 and all(isinstance(r, str) for r in replies)


def test_bad_payloads_are_answered_and_the_server_stays_up(server):
    from gradio_client.exceptions import AppError

    c = client(server)
    assert c.predict("", api_name="/chat") == ""
    assert c.predict("", api_name="/translate") == ""
    for text in ("a\x00b\x07\x1b[31mc", "😀 🙂 a b", "Ωμέγα русский 中文", "\u200b\ufeff"):
        assert isinstance(c.predict(text, api_name="/chat"), str)
        assert isinstance(c.predict(text, api_name="/translate"), str)
    for endpoint in ("/chat", "/translate"):
        with pytest.raises(AppError, match="100,000 characters long; the limit is 2,000"):
            c.predict("x" * 100_000, api_name=endpoint)
    assert isinstance(c.predict("a b", api_name="/chat"), str) and server.alive()


def test_values_the_page_would_not_send_are_the_clients_error_alone(server):
    from gradio_client.exceptions import AppError

    c = client(server)
    for options, message in ((dict(beam=1000), "greater than maximum value 10"),
                             (dict(temperature=0), "less than minimum value 0.1"),
                             (dict(method="foo"), "not in the list of choices"),
                             (dict(model="no-such-model"), "not in the list of choices")):
        with pytest.raises(AppError, match=message):
            c.predict("a b", api_name="/chat", **options)
    assert isinstance(c.predict("a b", api_name="/chat"), str)


def test_no_python_warnings_while_serving(server):
    test_bad_payloads_are_answered_and_the_server_stays_up(server)
    test_values_the_page_would_not_send_are_the_clients_error_alone(server)  # Gradio printed a traceback for each
    log = server.stderr()
    assert "Warning" not in log and "Traceback" not in log, log


def test_only_spaces_or_invisible_characters_are_no_message_to_send():
    assert not any(map(respond.is_sendable, ["", " ", "\u200b\u200b", "\x00\t", "x" * 2_001]))
    assert respond.is_sendable("hi") and respond.is_sendable("x" * 2_000)


def test_a_reply_to_a_cleared_conversation_is_dropped():
    import copy

    history = respond.ChatHistory()
    history.send("hi")
    with history.answering("hi") as sent:
        assert history.add(sent, ["hi", "hello"]) and history.turns == ["hi", "hello"]
    history.send("late")
    with history.answering("late") as sent:
        history.clear()  # while its reply is decoded
        assert not history.add(sent, ["late", "reply"]) and history.turns == [] and history.messages() == []
    history.send("waiting in the queue")  # on screen, its reply not yet decoding
    history.clear()
    assert history.messages() == []
    with history.answering("waiting in the queue") as sent:
        assert not history.add(sent, ["waiting in the queue", "reply"])
    with history.answering("an API call, never on screen") as sent:  # sent now
        assert history.add(sent, ["an API call, never on screen", "ok"])
    assert history.turns == ["an API call, never on screen", "ok"] and history.waiting == []
    assert copy.deepcopy(history).conversation == history.conversation  # Gradio copies a State's value


def test_messages_sent_in_quick_succession_are_answered_in_order_each_after_the_last_reply():
    """A second message sent while the first one's reply is decoded waits for it, and reads it."""
    import threading

    history = respond.ChatHistory()
    for message in ("a", "b", "c"):  # on screen at once, in order
        history.send(message)
    assert history.messages() == [{"role": "user", "content": m} for m in ("a", "b", "c")]
    contexts, first_decoding, release = {}, threading.Event(), threading.Event()

    def answer(message: str, hold: bool = False) -> None:
        with history.answering(message) as sent:
            contexts[message] = list(history.turns)
            if hold:
                first_decoding.set()
                release.wait(10)
            history.add(sent, [message, f"reply to {message}"])

    threads = [threading.Thread(target=answer, args=(message,)) for message in ("c", "b")]
    for thread in threads:  # the later messages' events run first
        thread.start()
    first = threading.Thread(target=answer, args=("a", True))
    first.start()
    assert first_decoding.wait(10)
    assert contexts.keys() == {"a"}  # b and c wait
    release.set()
    for thread in [first, *threads]:
        thread.join(10)
    assert contexts == {"a": [], "b": ["a", "reply to a"], "c": ["a", "reply to a", "b", "reply to b"]}
    assert [m["role"] for m in history.messages()] == ["user", "assistant"] * 3 and history.waiting == []
    for _ in range(2):  # the same text twice: each answered once
        history.send("x")
    for _ in range(2):
        with history.answering("x") as sent:
            history.add(sent, ["x", "y"])
    assert history.turns[-4:] == ["x", "y", "x", "y"] and history.waiting == []


def test_a_message_whose_event_never_ran_holds_up_its_conversation_once_not_for_good(monkeypatch):
    import time

    history = respond.ChatHistory()
    monkeypatch.setattr(history, "WAIT", 0.2)
    history.send("lost")  # on screen, but its event never runs (a full queue, a cancelled event)
    history.send("next")
    started = time.monotonic()
    with history.answering("next") as sent:  # waits WAIT for "lost", then goes on without it
        assert time.monotonic() - started >= 0.2 and [s.message for s in history.waiting] == ["next"]
        history.add(sent, ["next", "reply"])
    history.send("after")
    monkeypatch.setattr(history, "WAIT", 60.0)
    started = time.monotonic()
    with history.answering("after") as sent:
        assert time.monotonic() - started < 30  # no wait: nothing ahead any more
        history.add(sent, ["after", "reply"])
    assert history.messages()[-1] == {"role": "assistant", "content": "reply"} and history.waiting == []


def test_an_address_the_page_cannot_listen_on_is_one_line_before_any_model_loads():
    import socket

    from seq2seq.errors import Seq2SeqError
    from seq2seq.ui.serve import check_address

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(Seq2SeqError, match=f"cannot serve on 127.0.0.1:{port}: the port is in use; choose another"):
            check_address("127.0.0.1", port)
    check_address("127.0.0.1", port)  # free again
    with pytest.raises(Seq2SeqError, match="cannot serve on 192.0.2.1:7860: "):  # TEST-NET-1: no machine's own
        check_address("192.0.2.1", 7860)


def test_chat_messages_show_the_text_as_typed():
    assert respond.turns_to_messages(["<b>hi</b> & **you**", ""]) == [
        {"role": "user", "content": "&lt;b&gt;hi&lt;/b&gt; &amp; **you**"}, {"role": "assistant", "content": "…"}]
    # Text without markup goes as it is, so that the window's copy buttons copy it as typed.
    for text in ("fish & chips", "a < b > c", "AT&T, 3 <4", "x &y"):
        assert respond.turns_to_messages([text])[0]["content"] == text
    for text in ("<script>alert(1)</script>", "&amp;", "&#60;", "&#x3c;", "<!-- x -->", "</b>"):
        assert html.unescape(respond.turns_to_messages([text])[0]["content"]) == text != respond.shown(text)


def test_building_the_page_writes_nothing_into_the_package(models, tmp_path):
    """Gradio writes a ``.pyi`` stub beside the module of every component class it sees defined:
    the app wraps component instances instead of subclassing them."""
    import seq2seq.ui
    from seq2seq.ui.app import build_demo

    build_demo(discover([models["chat"]], tmp_path))
    assert not list(Path(seq2seq.ui.__file__).parent.glob("*.pyi"))
