"""Chatbot quality: response ranking and the diversity of replies (more modules to come)."""
