"""Chatting with a dialogue model: conversations, and the figures that judge the replies."""
