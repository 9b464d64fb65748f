"""SSML from plain text: well-formed XML whatever the text holds, pauses where the text asks for them."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from skill.speech.render import to_ssml


def test_markup_characters_in_text_are_escaped_and_spoken_as_written() -> None:
    text = 'Salt & water: drink < 1 litre > slowly, "sip" it'

    root = ET.fromstring(to_ssml(text))

    assert root.tag == "speak"
    assert "".join(root.itertext()) == text


def test_tab_separated_sentence_groups_become_short_pauses_and_blank_groups_vanish() -> None:
    root = ET.fromstring(to_ssml("First part.\t \tSecond part. "))

    assert [child.tag for child in root] == ["break"]
    assert root.text == "First part."
    assert root[0].tail == "Second part."
