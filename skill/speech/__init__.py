"""Every word the user hears or sees, per locale: phrase books (phrases/*.yaml) and the renderer."""

from __future__ import annotations

from skill.speech.render import (
    LAST_RESORT,
    Fault,
    Spoken,
    disclaimer,
    render,
    render_fault,
    say_date,
    to_ssml,
)

__all__ = ["LAST_RESORT", "Fault", "Spoken", "disclaimer", "render", "render_fault", "say_date", "to_ssml"]
