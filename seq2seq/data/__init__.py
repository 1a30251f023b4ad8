"""From normalized text to padded batches: SentencePiece tokenization, the encoded-pair store,
length-bucketed batching and the Keras dataset over it.

``tokenizer`` (text <-> ids), ``encoded_pairs`` (a corpus streamed through the tokenizer into
flat arrays), ``batching`` (bucketed, padded NumPy batches; no Keras) and ``pair_batches``
(``PairBatches``, a ``keras.utils.PyDataset``). Import the modules themselves: this package
imports nothing, so that ``seq2seq.data.tokenizer`` stays free of Keras.
"""
