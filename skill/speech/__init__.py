"""Every word the user hears or sees."""

from __future__ import annotations

from skill.speech.render import DISCLAIMER, Spoken, render, to_ssml

__all__ = ["DISCLAIMER", "Spoken", "render", "to_ssml"]
