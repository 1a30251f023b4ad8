"""The page: ``build_demo(models, cache, decoder) -> gr.Blocks`` with three tabs.

- Chat: a conversation per browser session (a ``respond.ChatHistory`` in a ``gr.State``), decoding settings,
  example prompts, a clear button. API: ``/chat`` (message -> reply text).
- Translate: text in, translation and its attention heatmap out. API: ``/translate``.
- Inside the model: the encoder's gates at every input piece and the decoder's five most probable
  next pieces at every output step.

Every event calls the plain functions of ``respond`` and ``inside``; model calls go through one
``BatchingDecoder``, so simultaneous requests are decoded together.
"""

from __future__ import annotations

from collections.abc import Callable

import gradio as gr

from seq2seq.checkpoint import CHAT, TRANSLATION
from seq2seq.errors import Seq2SeqError
from seq2seq.ui import respond
from seq2seq.ui.batching import BatchingDecoder
from seq2seq.ui.inside import MEANING, SHOWN, candidates_table, encoder_views, look_inside, parse_view
from seq2seq.ui.models import ModelCache, ModelInfo

TITLE = "seq2seq: chat with, translate with and look inside a recurrent encoder-decoder"
HELP = (
    "A recurrent encoder-decoder (LSTM or GRU with attention) trained by the `seq2seq` toolkit. "
    "**Chat** talks with a dialogue model: it reads the last turns of the conversation, as it did in "
    "training. **Translate** shows which source pieces each output piece attended to. **Inside the "
    "model** shows the encoder's gates opening and closing at every piece of your sentence, and the "
    "decoder's five best guesses at every step. The model reads and writes SentencePiece pieces, words or "
    f"parts of words; ▁ marks a piece that begins a word. Inputs are limited to {respond.MAX_INPUT_CHARS:,} characters."
)
CHAT_EXAMPLES = ["hi, how are you?", "what do you like to do on weekends?", "do you have any pets?",
                 "what is your favorite food?"]
TRANSLATE_EXAMPLES = ["Ein Hund rennt über eine grüne Wiese.", "Zwei Männer spielen Fußball im Park.",
                      "Eine Frau liest ein Buch am Strand."]
METHODS = list(respond.METHOD_NAMES)
MAX_SAMPLES = 8  # the samples slider's top: 8 replies for each of a batch's 32 requests is 256 rows
DIRECTIONS = {  # what a row of a bidirectional layer's half has read
    "forward": " The forward direction reads from the first piece: a row is the gates after reading up to its piece.",
    "backward": " The backward direction reads from the last piece: a row is the gates after reading from the end back to its piece.",
}
CONCURRENCY = 32  # requests of one event running at once (they wait together in the batching queue)
# Sending takes the message out of the chat box at the keystroke (Enter) or click (Send), in the
# browser: Gradio reads the box tens of milliseconds later, and a fast typist's next letters
# joined the message sent, or a pasted message was wiped by the box emptied from the server.
TAKE = """() => {
  if (window.seq2seqTaken) return;
  window.seq2seqTaken = [];  // the messages taken, in order, for the events' TAKEN
  const take = () => {
    const box = document.querySelector('#chat-message textarea');
    if (!box) return;
    window.seq2seqTaken.push(box.value);
    box.value = '';
    box.dispatchEvent(new Event('input', {bubbles: true}));
  };
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && event.target.closest('#chat-message')) take();
  }, true);
  document.addEventListener('click', (event) => { if (event.target.closest('#chat-send')) take(); }, true);
}"""
TAKEN = "(box, _, history) => [window.seq2seqTaken?.length ? window.seq2seqTaken.shift() : box, box, history]"


def _quiet(make: type) -> Callable[..., gr.components.Component]:
    """``make(...)``, a component whose own check of a value (a slider's range, a choice not
    offered), which an API client can fail, is the client's error alone: Gradio printed a
    traceback on the server for each. (The instance's ``preprocess`` is wrapped, not the class
    subclassed: Gradio writes a ``.pyi`` stub beside the module of every component class.)"""

    def component(*args, **kwargs):
        made = make(*args, **kwargs)
        check = made.preprocess

        def preprocess(payload):
            try:
                return check(payload)
            except gr.Error as error:
                raise gr.Error(error.message, print_exception=False) from None

        made.preprocess = preprocess
        return made

    return component


Slider, Radio, Dropdown = _quiet(gr.Slider), _quiet(gr.Radio), _quiet(gr.Dropdown)


def _choices(models: list[ModelInfo], kind: str) -> list[tuple[str, str]]:
    """Dropdown choices ``(label, key)``: every model, those of ``kind`` first. A model trained
    on your own pairs (``tsv:``) may answer questions or translate; its label says which the
    checkpoint's corpora suggest (``model_kind``), and the tab lets you use it either way."""
    chosen = sorted(models, key=lambda m: m.kind != kind)  # (stable: else in the given order)
    return [(m.label, m.key) for m in chosen]


def _settings(method: str, temperature: float, top_k: int, top_p: float, beam: int, samples: int = 1):
    with gr.Accordion("Decoding settings", open=False):
        gr.Markdown("*Sampling* picks each piece at random among the likeliest (varied replies); *greedy* "
                    "takes the likeliest piece; *beam search* keeps several candidate outputs and returns the best. "
                    "Sampling more than one output and keeping the likeliest gives more fluent, less varied replies.")
        components = [
            Radio(METHODS, value=method, label="method"),
            Slider(0.1, 2.0, value=temperature, step=0.05, label="temperature (sampling: lower is safer)"),
            Slider(0, 100, value=top_k, step=1, label="top-k (sampling; 0: no limit)"),
            Slider(0.05, 1.0, value=top_p, step=0.05, label="top-p (sampling: the smallest set of this probability)"),
            Slider(1, 10, value=beam, step=1, label="beam width (beam search)"),
            Slider(1, MAX_SAMPLES, value=samples, step=1,
                   label="samples (sampling: draw this many, keep the likeliest per piece)"),
        ]
    return components


def build_demo(models: list[ModelInfo], cache: ModelCache | None = None,
               decoder: BatchingDecoder | None = None) -> gr.Blocks:
    """The page over ``models`` (at least one), loading each through ``cache`` once."""
    if not models:
        raise ValueError("build_demo needs at least one model")
    cache = cache or ModelCache()
    decoder = decoder or BatchingDecoder()
    by_key = {m.key: m for m in models}

    def load(model: str):
        if model not in by_key:
            raise gr.Error(f"Unknown model {model!r}; pick one from the list.", print_exception=False)
        try:
            return by_key[model], cache.get(by_key[model].path)[0]
        except Seq2SeqError as error:  # a checkpoint that does not load: one line, no traceback
            raise gr.Error(str(error), print_exception=False) from None

    def user_error(error: Exception) -> gr.Error:
        return gr.Error(str(error), print_exception=False)

    def cut_warning(what: str):
        """An ``on_cut`` for the respond functions: a toast on the page."""
        return lambda pieces: gr.Warning(
            f"The {what} is longer than the model reads ({pieces} pieces); it read the beginning only.")

    # -- chat --------------------------------------------------------------------------------------

    def chat(message, history, model, method, temperature, top_k, top_p, beam, samples=1):
        message = message or ""
        if not respond.is_sendable(message):  # an error, or no reply: nothing to wait in line for
            try:
                respond.check_length(message)
            except respond.InputTooLong as error:
                raise user_error(error) from None
            return "", history
        with history.answering(message) as sent:  # after the replies to the messages sent before it
            if sent.conversation != history.conversation:  # cleared while it waited: no decoding for nothing
                return "", history
            info, translator = load(model)
            context = list(history.turns)
            try:
                options = respond.decoding_options(respond.CHAT_DEFAULTS, method, temperature, top_k, top_p, beam,
                                                   samples)
                reply, turns = respond.chat_reply(decoder, translator, info.context_turns, context, message,
                                                  options, on_cut=cut_warning("message"))
            except (respond.InputTooLong, ValueError, Seq2SeqError) as error:
                raise user_error(error) from None
            history.add(sent, turns[len(context):])  # dropped if cleared while it was decoded
        return reply, history

    def show(history):
        return history.messages()

    def pending(message, box, history):
        """The user's message (taken out of the box by the page at the keystroke: ``TAKE``) on
        screen at once while the reply is decoded; -> (the chat window, the box, the message sent).
        One that cannot be sent (empty, too long) goes back to the box for its error, unless
        something new is typed there."""
        if not respond.is_sendable(message or ""):
            return history.messages(), gr.skip() if box else message, message
        history.send(message)
        return history.messages(), gr.skip(), message

    def pending_example(example, history):
        """An example on screen at once (the box keeps what is typed there); -> (the chat window, the message)."""
        history.send(example)
        return history.messages(), example

    def failed(sent, message, history):
        """A message whose reply failed leaves the window and goes back to the box, if empty."""
        return history.messages(), message or sent

    def clear_chat(history):
        return [], history.clear(), ""

    def kind_note(model) -> str:
        """A line under the chat's model picker when the model chosen is not a chatbot."""
        info = by_key.get(model)
        if info is None or info.kind == CHAT:
            return ""
        return f"*{info.name} is a translation model: it translates what you type rather than answering it.*"

    def new_model_conversation(model, history):
        """Another chat model: a new conversation (the window empties), and what the model does."""
        return [], history.clear(), kind_note(model)

    # -- translate ---------------------------------------------------------------------------------

    def translate(text, model, method, temperature, top_k, top_p, beam, samples=1):
        _, translator = load(model)
        try:
            options = respond.decoding_options(respond.TRANSLATION_DEFAULTS, method, temperature, top_k, top_p, beam,
                                               samples)
            output = respond.translate_text(decoder, translator, text or "", options, on_cut=cut_warning("text"))
        except (respond.InputTooLong, ValueError, Seq2SeqError) as error:
            raise user_error(error) from None
        return ("" if output is None else output.text), output

    def attention(output):
        if output is None or not output.source_pieces:
            return None
        from seq2seq.decoding.plot import attention_figure

        return attention_figure(output)

    # -- inside ------------------------------------------------------------------------------------

    def inside(text, model, averaged, view):
        from seq2seq.ui.figures import gates_figure

        info, translator = load(model)
        layer, direction = parse_view(translator.model.config, view)
        try:
            respond.check_length(text or "")
        except respond.InputTooLong as error:
            raise user_error(error) from None
        source, lengths = text or "", respond.TRANSLATION_DEFAULTS
        if info.kind == CHAT:
            from seq2seq.chat.conversation import context_source

            source, lengths = context_source([source], info.context_turns), respond.CHAT_DEFAULTS
        report, output, steps = look_inside(translator, source, lock=decoder.lock, layer=layer, direction=direction,
                                            lengths=lengths)
        meanings = "\n".join(f"- {MEANING[name]}" for name in SHOWN[report.cell])
        if not report.pieces:
            return None, f"Type a sentence to see the gates of this {report.cell.upper()}.", "", []
        figure = gates_figure(report, averaged=averaged == "average over units")
        caption = (f"**{report.cell.upper()}**: one heatmap row per input piece; "
                   f"each column a unit (or the mean over units).{DIRECTIONS.get(report.direction, '')}\n\n{meanings}")
        return figure, caption, f"Greedy output: **{output.text or '(empty)'}**", candidates_table(steps)

    def layer_choices(model: str):
        """The layer picker for ``model``: its layers (and directions), the first chosen."""
        views = encoder_views(by_key[model])  # Gradio takes only the dropdown's own choices
        return gr.Dropdown(choices=views, value=views[0][1])  # an update of the picker

    # -- the page ----------------------------------------------------------------------------------

    chat_choices, translate_choices = _choices(models, CHAT), _choices(models, TRANSLATION)
    inside_choices = translate_choices  # every model, a translator first: its German examples read as it was trained
    with gr.Blocks(title="seq2seq") as demo:
        gr.Markdown(f"# {TITLE}\n{HELP}")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                if not any(m.kind == CHAT for m in models):
                    gr.Markdown("*No chat model was found (none in `checkpoints/`, none given with "
                                "`--checkpoint`): the replies below come from a translation model.*")
                chat_model = Dropdown(chat_choices, value=chat_choices[0][1], label="model")
                chat_note = gr.Markdown(kind_note(chat_choices[0][1]))
                chatbot = gr.Chatbot(label="conversation", height=380, elem_id="chat-window",
                                     render_markdown=False,  # the words as typed and as decoded
                                     buttons=["copy", "copy_all"])  # (sharing to Hugging Face: not from here)
                with gr.Row():
                    # On a phone the box takes a line of its own and the buttons share the next
                    message = gr.Textbox(placeholder="Say something and press Enter", show_label=False, scale=5,
                                         min_width=280, elem_id="chat-message")
                    send = gr.Button("Send", variant="primary", scale=1, min_width=80, elem_id="chat-send")
                    clear = gr.Button("Clear", scale=1, min_width=80, elem_id="chat-clear")
                sent = gr.Textbox(visible=False, label="message")  # the message being answered
                examples = gr.Examples(CHAT_EXAMPLES, inputs=sent, label="examples")  # sent as clicked; the box keeps what is typed
                chat_settings = _settings("sampling", respond.CHAT_DEFAULTS.temperature, respond.CHAT_DEFAULTS.top_k,
                                          respond.CHAT_DEFAULTS.top_p, respond.CHAT_DEFAULTS.beam,
                                          respond.CHAT_DEFAULTS.samples)
                history = gr.State(respond.ChatHistory())  # Gradio gives each browser session a copy
                reply = gr.Textbox(visible=False, label="reply")
                inputs = [sent, history, chat_model, *chat_settings]
                # Every Enter, click on Send or on an example sends (one sent while a reply is decoded waits for it).
                # Every event of the chain takes every trigger ("multiple"): Gradio's default ignores one while
                # the last is running, and so dropped a message sent while the one before was answered.
                private, every = {"api_visibility": "private", "queue": False}, {"trigger_mode": "multiple"}
                typed = {"inputs": [message, message, history], "outputs": [chatbot, message, sent], "js": TAKEN}
                on_screen = {
                    "chat": message.submit(pending, **typed, **every, **private),
                    "chat_button": send.click(pending, **typed, **every, **private),
                    "chat_example": examples.load_input_event.then(pending_example, [sent, history], [chatbot, sent],
                                                                   **every, **private),
                }
                for name, shown in on_screen.items():
                    answered = shown.then(
                        chat, inputs, [reply, history], api_name=name, concurrency_limit=CONCURRENCY, **every,
                        api_visibility="public" if name == "chat" else "private",
                    )
                    answered.success(show, history, chatbot, api_visibility="private", **every)
                    answered.failure(failed, [sent, message, history], [chatbot, message], api_visibility="private",
                                     **every)
                # Each starts a new conversation; a reply still being decoded is then dropped.
                clear.click(clear_chat, history, [chatbot, history, message], api_visibility="private", queue=False)
                chatbot.clear(lambda h: h.clear(), history, history, api_visibility="private", queue=False)
                chat_model.change(new_model_conversation, [chat_model, history], [chatbot, history, chat_note],
                                  api_visibility="private", queue=False)

            with gr.Tab("Translate", id="translate"):
                translate_model = Dropdown(translate_choices, value=translate_choices[0][1], label="model")
                with gr.Row():
                    source = gr.Textbox(label="source", placeholder="Type a sentence and press Enter", scale=1,
                                        min_width=280, elem_id="translate-source")  # one line: Enter translates
                    target = gr.Textbox(label="translation", scale=1, min_width=280, elem_id="translate-target")
                translate_button = gr.Button("Translate", variant="primary")
                translate_examples = gr.Examples(TRANSLATE_EXAMPLES, inputs=source, label="examples")  # a click translates
                translate_settings = _settings("beam search", 1.0, 0, 1.0, respond.TRANSLATION_DEFAULTS.beam)
                heatmap = gr.Plot(label="attention: which source pieces each output piece looked at",
                                  show_label=False, elem_id="translate-attention")  # the figure's own title says it; the label covered it
                last_output = gr.State(None)
                for trigger, name in ((translate_button.click, "translate"), (source.submit, "translate_enter"),
                                      (translate_examples.load_input_event.then, "translate_example")):
                    translated = trigger(translate, [source, translate_model, *translate_settings], [target, last_output],
                                         api_name=name, concurrency_limit=CONCURRENCY,
                                         api_visibility="public" if name == "translate" else "private")
                    translated.success(attention, last_output, heatmap, api_visibility="private")
                    # an error (too long): the last translation would pass for this text's
                    translated.failure(lambda: ("", None, None), None, [target, last_output, heatmap],
                                       api_visibility="private")

            with gr.Tab("Inside the model", id="inside"):
                with gr.Row():
                    inside_model = Dropdown(inside_choices, value=inside_choices[0][1], label="model", scale=3,
                                            min_width=240, elem_id="inside-model")
                    views = encoder_views(by_key[inside_choices[0][1]])
                    view_layer = Dropdown(views, value=views[0][1], label="encoder layer", scale=2,
                                          min_width=240, elem_id="inside-layer")
                with gr.Row():
                    sentence = gr.Textbox(label="sentence", placeholder="Type a sentence and press Enter", scale=4,
                                          min_width=240, elem_id="inside-sentence")
                    view = Radio(["each unit", "average over units"], value="average over units", label="show",
                                 scale=2, min_width=240)
                look = gr.Button("Look inside", variant="primary", elem_id="inside-look")
                caption = gr.Markdown()
                gates = gr.Plot(label="encoder gates per input piece", elem_id="inside-gates", show_label=False)
                output_line = gr.Markdown()
                table = gr.Dataframe(headers=["step", "output piece", "1st", "2nd", "3rd", "4th", "5th"],
                                     label="the decoder's five most probable next pieces at each step",
                                     interactive=False, wrap=True)
                look_inputs, look_outputs = [sentence, inside_model, view, view_layer], [gates, caption, output_line, table]
                # Another model: its layers, then the same sentence through it (the last model's views would stay)
                inside_model.change(layer_choices, inside_model, view_layer, api_visibility="private", queue=False).then(
                    inside, look_inputs, look_outputs, api_visibility="private", concurrency_limit=4)
                for trigger in (look.click, sentence.submit, view.change, view_layer.input):
                    trigger(inside, look_inputs, look_outputs, api_visibility="private", concurrency_limit=4)
        demo.load(None, js=TAKE)  # the chat box's keystroke and Send click take its text
    demo.queue(default_concurrency_limit=CONCURRENCY, max_size=256)
    return demo
