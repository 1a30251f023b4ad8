"""Which split ``seq2seq evaluate`` scores by default: a file of yours the checkpoint never
trained on is scored whole; anything else keeps its test split."""

from seq2seq.corpora.unseen import evaluation_split, own_file, trained_on


def config(*corpora):
    return {"data": {"corpora": list(corpora)}}


def test_a_file_of_yours_that_the_checkpoint_never_trained_on_is_scored_whole(tmp_path):
    mine, theirs = tmp_path / "mine.tsv", tmp_path / "train.tsv"
    assert evaluation_split([f"tsv:{mine}"], config(f"tsv:{theirs}")) == "all"
    assert evaluation_split([f"jsonl:{tmp_path / 'talk.jsonl'}"], config("chitchat")) == "all"


def test_the_training_file_by_any_path_or_name_keeps_its_test_split(tmp_path):
    corpus = tmp_path / "pairs.tsv"
    elsewhere = tmp_path / "copy" / "pairs.tsv"  # a copy moved: the same data by its name
    for spec in (f"tsv:{corpus}", f"tsv:{tmp_path}/../{tmp_path.name}/pairs.tsv", f"tsv:{elsewhere}"):
        assert trained_on(spec, config(f"tsv:{corpus}"))
        assert evaluation_split([spec], config(f"tsv:{corpus}")) == "test"
    assert not trained_on(f"jsonl:{tmp_path / 'pairs.tsv'}", config(f"tsv:{corpus}"))  # another kind


def test_named_corpora_folders_and_unlisted_training_data_keep_the_test_split(tmp_path):
    folder = tmp_path / "split"
    folder.mkdir()
    assert not own_file(f"tsv:{folder}") and own_file(f"tsv:{tmp_path / 'a.tsv'}") and not own_file("chitchat")
    assert evaluation_split([f"tsv:{folder}"], config("chitchat")) == "test"  # its own test file
    assert evaluation_split(["multi30k:de-en"], config("chitchat")) == "test"
    assert evaluation_split([f"tsv:{tmp_path / 'a.tsv'}"], {}) == "test"  # no record of its training
    # one of two files seen: the test split of both
    assert evaluation_split([f"tsv:{tmp_path / 'a.tsv'}", f"tsv:{tmp_path / 'b.tsv'}"],
                            config(f"tsv:{tmp_path / 'b.tsv'}")) == "test"
    assert trained_on("chitchat", config("unknown-kind:x", "chitchat"))  # an unknown kind is skipped


def test_a_file_of_the_same_name_is_the_training_file_only_with_the_same_contents(tmp_path):
    (tmp_path / "train").mkdir()
    (tmp_path / "heldout").mkdir()
    trained = tmp_path / "train" / "pairs.tsv"
    trained.write_text("a\tb\nc\td\n", encoding="utf-8")
    heldout = tmp_path / "heldout" / "pairs.tsv"
    heldout.write_text("e\tf\ng\th\n", encoding="utf-8")  # the same size, other pairs
    assert not trained_on(f"tsv:{heldout}", config(f"tsv:{trained}"))
    assert evaluation_split([f"tsv:{heldout}"], config(f"tsv:{trained}")) == "all"
    heldout.write_bytes(trained.read_bytes())  # a copy
    assert trained_on(f"tsv:{heldout}", config(f"tsv:{trained}"))
    trained.unlink()  # the training file gone: by its name, to be safe
    assert trained_on(f"tsv:{heldout}", config(f"tsv:{trained}"))


def selection(*specs, split):
    from seq2seq.corpora import CorpusSelection

    return CorpusSelection(specs=specs, data_dir=None, context_turns=1, split=split, skip_bad_lines=False,
                           max_len=None)


def test_scoring_notes_say_what_is_scored_and_what_the_model_has_seen(tmp_path):
    from seq2seq.corpora import load_pairs
    from seq2seq.corpora.unseen import scoring_notes

    trained = tmp_path / "pairs.tsv"
    trained.write_text("".join(f"source {i}\ttarget {i}\n" for i in range(300)), encoding="utf-8")
    spec = f"tsv:{trained}"
    everything = selection(spec, split="all")
    pairs = list(everything.load())
    seen = len(list(load_pairs([spec], split="train")))
    assert 250 < seen < 300  # the hash's train split: the model's training pairs
    assert scoring_notes(pairs, config(spec), everything, split_chosen=False) == [
        f"Warning: {seen} of the 300 pairs of {spec} are training pairs of this model: its score on them is partly memory"]
    assert scoring_notes([], config(spec), selection(spec, split="test"), split_chosen=True) == [
        f"Scoring the test split of {spec} only: this model trained on the rest (--split all: every pair, training "
        "pairs included)"]
    assert scoring_notes([], config(spec), selection(spec, split="test"), split_chosen=False) == []  # as asked
    # another language pair than the model's (a test split: nothing to read)
    assert scoring_notes([], config("multi30k:de-en"), selection("multi30k:fr-en", split="test"), True) == [
        "Warning: this model was trained on multi30k:de-en, not on multi30k:fr-en"]
    assert scoring_notes([], config("multi30k:de-en"), selection("multi30k:de-en", split="test"), True) == []
