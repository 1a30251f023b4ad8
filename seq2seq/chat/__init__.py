"""Chatting with a dialogue model: ``conversation`` (history -> source, as in training),
``ranking`` (response ranking, hits@1 of 20) and ``diversity`` (distinct-n and friends)."""
