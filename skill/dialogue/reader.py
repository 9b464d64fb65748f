"""The skill's own reading of raw words: what Alexa hands over unresolved (a free-text capture, or a custom slot
value with no match) matched against the knowledge base's lexicon. Pure; never speaks, never imports Alexa.

It finds every phrase of the lexicon in the words (longest first, plurals folded), the yes or no they open with,
phrases said as absent ("no chest pain", "I didn't warm up"), how many of a caffeine source ("six caffeine pills",
"a couple of red bulls") and how long something lasted ("for twenty minutes", "for a few weeks"). Red-flag words
count wherever they are said: the reading knows nothing of the question pending.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final, NamedTuple

from skill.knowledge import KnowledgeBase

__all__ = ["Heard", "read_words"]

_NEGATORS: Final = frozenset(
    {
        "no", "not", "don't", "didn't", "never", "without", "isn't", "aren't", "wasn't", "weren't", "haven't",
        "hasn't", "doesn't", "dont", "didnt", "nor", "hardly",
    }
)  # fmt: skip
_DID_NOT: Final = frozenset({"didn't", "didnt"})
_WAS_SICK: Final = frozenset({"was", "been", "being"})  # "I was sick", "I've been sick": vomited
_COPULAS: Final = frozenset(
    {"is", "are", "was", "were", "feels", "felt", "gets", "got"}
)  # "breathing is hard"
_CONTRAST_AFTER: Final = frozenset({"though", "tho", "still", "anyway"})  # "no, chest pain though"
_CORRECTIONS: Final = frozenset({"actually", "mean", "meant", "sorry", "wait", "rather"})  # "no, I mean yes"
_CLAUSE_BREAKS: Final = frozenset({"but", "and", "though", "although", "except", "however", "now", "then"})
_NEGATION_REACH = 3
_OPENERS: Final = frozenset({"um", "uh", "well", "oh", "ok", "okay", "so", "actually", "erm", "hmm"})
_NUMBERS: Final = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40,
    "forty-five": 45, "fifty": 50, "sixty": 60, "ninety": 90, "couple": 2, "few": 3, "several": 3, "half": 0.5,
}  # fmt: skip
_FILLERS: Final = frozenset(
    {"of", "big", "large", "small", "strong", "double", "huge", "little", "cans", "can"}
)
_UNITS_MINUTES: Final = {
    "minute": 1.0, "min": 1.0, "hour": 60.0, "hr": 60.0, "day": 1440.0, "week": 10080.0, "fortnight": 20160.0,
    "month": 43200.0,
    "year": 525600.0,
}  # fmt: skip
_CRAMP_SYMPTOMS: Final = frozenset({"cramp", "long_cramp", "recurring_cramps"})
_WORD: Final = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")
# Words that carry no meaning for matching, dropped from both the lexicon's phrases and what was said, so that
# "my heart was racing" meets "heart racing" and "my hands are all swollen" meets "hands swollen".
_GLUE: Final = frozenset(
    {
        "is", "are", "was", "were", "been", "be", "am", "my", "the", "really", "very", "pretty",
        "quite", "totally", "all", "just", "kind", "kinda", "sort", "feel", "feels", "felt", "getting",
        "gone", "got", "literally", "actually", "proper", "properly", "completely", "still",
    }
)  # fmt: skip
_LONGEST_PHRASE = 9
# Typed words without their apostrophe, as people type them ("i cant feel my arm"); Alexa itself sends them whole.
_APOSTROPHES: Final = {
    "cant": "can't", "dont": "don't", "didnt": "didn't", "wont": "won't", "im": "i'm", "ive": "i've",
    "isnt": "isn't", "doesnt": "doesn't", "wasnt": "wasn't", "couldnt": "couldn't", "havent": "haven't",
    "hasnt": "hasn't",
}  # fmt: skip
# Lexicon words too vague to read out of context: fine as the answer to a question, not inside a sentence.
# "did" and "skipped" are the warm-up's own values, meaningless in "I did nearly pass out" or "I skipped breakfast".
_VAGUE: Final = frozenset(
    {"nothing", "none", "side", "sides", "behind", "body", "everything", "a game", "did", "skipped"}
)


class Heard(NamedTuple):
    """One thing found in the words: the slot it would have filled (or "complaint": a word like "twitching" that
    puts the words in the skill's scope), the lexicon id, how it was said.

    `servings` is a number said before a caffeine source; `minutes` a duration (ISO-free, in minutes) with `of` naming
    what lasted: "workout", "twitch" or "cramp".
    """

    slot: str
    id: str | None
    said: str
    negated: bool = False
    servings: float | None = None
    minutes: float | None = None
    of: str | None = None


def read_words(kb: KnowledgeBase, text: str) -> tuple[Heard, ...]:
    """Everything in `text` the lexicon knows, in the order it was said."""
    said = _rewritten([_APOSTROPHES.get(w, w) for w in _WORD.findall(text.lower().replace("\u2019", "'"))])
    words = tuple(w for w in said if w not in _GLUE)
    if not words:
        return ()
    index = _index(kb)
    found: list[Heard] = []
    start = 0
    while start < len(words) and words[start] in _OPENERS:
        start += 1
    reply_no = False
    if start < len(words) and not _phrase_at(index, words, start):  # "no warm up" is a phrase, not a reply
        reply = index.replies.get(_fold(words[start]))
        if reply is not None:
            found.append(Heard("reply", reply, words[start]))
            reply_no = reply == "no" and _said_straight_after(said, words[start])
            start += 1
    matches = list(_matches(index, words, start))
    complaint = next((w for w in words if w in kb.complaint_words), None)
    if complaint is not None:
        found.append(Heard("complaint", None, complaint))
    if (
        reply_no
        and matches
        and matches[0].said.split()[0] == words[start]
        and words[start] not in _NEGATORS
        and not _kept_after(said, matches[0].said)
    ):
        # "no chest pain": the no is the phrase's own; "no, my chest hurts" keeps the sign ("my" stood between),
        # and so do "no, chest pain though" and "no, breathing difficulty is there"
        matches[0] = matches[0]._replace(negated=True)
    symptoms = {m.id for m in matches if m.slot == "symptom"}
    for match in matches:
        found.append(match)
    found.extend(_durations(words, cramp=bool(symptoms & _CRAMP_SYMPTOMS)))
    found.extend(_milligrams(words))
    corrected = _corrected_reply(index, said)
    if corrected is not None:
        found.append(corrected)
    return tuple(found)


class _Index(NamedTuple):
    lexicon: object  # the knowledge base's lexicon it was built from, shared by every locale's knowledge base
    phrases: dict[tuple[str, ...], tuple[str, str]]  # folded words -> (slot, id)
    replies: dict[str, str]


_cache: list[_Index] = []


def _index(kb: KnowledgeBase) -> _Index:
    for built in _cache:
        if built.lexicon is kb.lexicon:
            return built
    phrases: dict[tuple[str, ...], tuple[str, str]] = {}
    replies: dict[str, str] = {}
    for entry in kb.lexicon.values():
        if entry.slot == "amount":  # "a bit", "loads": meaningful only as the answer to a question
            continue
        for value in entry.values:
            for phrase in (value.value, *value.synonyms):
                key = tuple(_fold(w) for w in _WORD.findall(phrase.lower()) if w not in _GLUE)
                if entry.slot == "reply":
                    # "there" is left of "there is" once glue is dropped, but it is no yes on its own: "twitching
                    # is there since 3 days" (Indian English for "has been") answers nothing
                    if len(key) == 1 and key[0] != "there":
                        replies.setdefault(key[0], value.id)
                    continue
                if not key or phrase in _VAGUE or all(w in _NEGATORS for w in key):
                    continue
                phrases.setdefault(key, (entry.slot, value.id))
    # Words only some English locales' models add ("wee", "footy") are read in every locale: raw words reach the
    # reader whatever model heard them, and a word is no less clear for being British.
    for types in kb.locale_words.values():
        for type_name, values in types.items():
            known = kb.lexicon.get(type_name)
            if known is None or known.slot in ("amount", "reply"):
                continue
            for value_id, synonyms in values.items():
                for phrase in synonyms:
                    key = tuple(_fold(w) for w in _WORD.findall(phrase.lower()) if w not in _GLUE)
                    if key and phrase not in _VAGUE and not all(w in _NEGATORS for w in key):
                        phrases.setdefault(key, (known.slot, value_id))
    built = _Index(kb.lexicon, phrases, replies)
    _cache[:] = [built, *_cache[:3]]
    return built


def _phrase_at(index: _Index, words: tuple[str, ...], at: int) -> bool:
    """Whether a lexicon phrase of two words or more starts at `at`."""
    folded = tuple(_fold(w) for w in words[at : at + _LONGEST_PHRASE])
    return any(folded[:size] in index.phrases for size in range(2, len(folded) + 1))


def _rewritten(said: list[str]) -> list[str]:
    """Pairs whose meaning hangs on a word the matching drops as glue: British "I was sick" and "I've been sick"
    are vomiting, while "I feel sick" is nausea; without "was" and "feel" both would read "I sick"."""
    out: list[str] = []
    for word in said:
        if word == "sick" and out and out[-1] in _WAS_SICK:
            out[-1] = "vomited"
            continue
        out.append(word)
    return out


def _kept_after(said: list[str], phrase: str) -> bool:
    """Whether a sign said straight after a "no" is there after all: a statement ("no, breathing is hard": a verb
    inside it), a contrast after it ("no, chest pain though") or "is there" (Indian English for "I have it")."""
    first, last = phrase.split()[0], phrase.split()[-1]
    if first not in said or last not in said[said.index(first) :]:
        return False
    begin = said.index(first)
    end = said.index(last, begin)
    after = said[end + 1 :]
    return (
        bool(_COPULAS & set(said[begin:end]))
        or bool(_CONTRAST_AFTER & set(after))
        or after[:2] in (["is", "there"], ["are", "there"])
    )


def _corrected_reply(index: _Index, said: list[str]) -> Heard | None:
    """A yes or no taken back and said again: "no, actually yes", "yes, no, I mean no", "no no, sorry, yes". The
    last one said after a correction word counts (slot "correction")."""
    found: Heard | None = None
    for at, word in enumerate(said[:-1]):
        if word not in _CORRECTIONS:
            continue
        following = said[at + 1]
        if following == "i" and at + 2 < len(said):  # "sorry, I meant no" is "meant no"
            continue
        reply = index.replies.get(_fold(following))
        if reply is not None:
            found = Heard("correction", reply, f"{word} {following}")
    return found


def _said_straight_after(said: list[str], reply: str) -> bool:
    """Whether the word after the opening yes or no was a content word, not "my", "I" or "it" (glue we dropped)."""
    if reply not in said:
        return False
    at = said.index(reply) + 1
    return (
        at < len(said) and said[at] not in _GLUE and said[at] not in ("i", "i'm", "it", "it's", "but", "and")
    )


def _fold(word: str) -> str:
    """A plain lemma: possessives and plural or third-person s dropped, so 'calves' and 'my calf's' still meet."""
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    return word


def _matches(index: _Index, words: tuple[str, ...], start: int) -> Iterator[Heard]:
    folded = tuple(_fold(w) for w in words)
    at = start
    last_end = start
    while at < len(words):
        hit: tuple[int, tuple[str, str]] | None = None
        # "I didn't faint" is "did faint" denied: the lexicon's "did" phrase, not "faint" (light-headed) on its own
        did = ("did",) if at > 0 and words[at - 1] in _DID_NOT else ()
        for size in range(min(_LONGEST_PHRASE, len(words) - at), 0, -1):
            found = index.phrases.get((*did, *folded[at : at + size])) if did else None
            found = found or index.phrases.get(folded[at : at + size])
            if found is not None:
                hit = (size, found)
                break
        if hit is None:
            at += 1
            continue
        size, (slot, value_id) = hit
        yield Heard(
            slot,
            value_id,
            " ".join(words[at : at + size]),
            negated=_negated(words, last_end, at),
            servings=_count_before(words, at) if slot == "caffeine" else None,
        )
        at += size
        last_end = at


def _negated(words: tuple[str, ...], since: int, at: int) -> bool:
    """A negator within a few words before `at`, with no clause break in between ("no chest pain")."""
    for back in range(at - 1, max(since, at - _NEGATION_REACH) - 1, -1):
        if words[back] in _CLAUSE_BREAKS:
            return False
        if words[back] in _NEGATORS:
            return not (back + 1 < len(words) and words[back + 1] == "sure")
    return False


def _count_before(words: tuple[str, ...], at: int) -> float | None:
    """The number said just before a caffeine source, skipping words like 'big' or 'cups of'."""
    back = at - 1
    while back >= 0 and words[back] in _FILLERS:
        back -= 1
    if back < 0:
        return None
    word = words[back]
    if word.isdigit():
        return float(word)
    if word in ("couple", "few") and back >= 1 and words[back - 1] == "a":
        return float(_NUMBERS[word])
    number = _NUMBERS.get(word)
    return float(number) if number is not None and word != "half" else None


def _durations(words: tuple[str, ...], *, cramp: bool) -> Iterator[Heard]:
    """'twenty minutes', 'a few weeks', 'two hours', 'for weeks': what lasted is guessed from the unit and the words."""
    for at, word in enumerate(words):
        unit = _unit(word)
        if unit is None:
            continue
        if at + 1 < len(words) and words[at + 1] in ("pregnant", "gone", "along", "postpartum"):
            continue  # "twenty weeks pregnant" is not how long anything has twitched
        if at + 1 < len(words) and words[at + 1] == "ago" and not _twitch_started(words, at):
            continue  # "I had a baby three weeks ago" is when something happened, not how long it twitched
        if _denied_in_clause(words, at):
            continue  # "it hasn't been going on for weeks, just today" says it has not lasted that long
        amount: float | None = None
        back = at - 2 if at >= 2 and words[at - 1] == "of" else at - 1  # "a couple of weeks"
        if back >= 0:
            before = words[back]
            if before.isdigit():
                amount = float(before)
            elif before in _NUMBERS or (before in ("couple", "few") and back >= 1):
                amount = float(_NUMBERS[before])
        if amount is None:
            if word.endswith("s") and unit >= 1440 and (at == 0 or words[at - 1] in ("for", "past", "last")):
                amount = (
                    2.0  # "for weeks", "for months", or "weeks now" behind the carrier "for": at least two
                )
            else:
                continue
        minutes = amount * unit
        if minutes >= 1440:
            yield Heard(
                "duration", None, " ".join(words[max(0, at - 2) : at + 1]), minutes=minutes, of="twitch"
            )
        elif cramp:
            yield Heard(
                "duration", None, " ".join(words[max(0, at - 2) : at + 1]), minutes=minutes, of="cramp"
            )
        else:
            yield Heard(
                "duration", None, " ".join(words[max(0, at - 2) : at + 1]), minutes=minutes, of="workout"
            )


def _denied_in_clause(words: tuple[str, ...], at: int) -> bool:
    """A verb's negation earlier in the same clause ("hasn't", "not"); a leading "no" answers a question and does
    not count ("no, it's been going on for weeks")."""
    for back in range(at - 1, -1, -1):
        if words[back] in _CLAUSE_BREAKS:
            return False
        if words[back] in _NEGATORS and words[back] != "no":
            return True
    return False


def _milligrams(words: tuple[str, ...]) -> Iterator[Heard]:
    """'about 800 milligrams': an amount of caffeine said outright."""
    for at, word in enumerate(words[1:], start=1):
        if word in ("milligrams", "milligram", "mg", "mgs") and words[at - 1].isdigit():
            yield Heard("caffeine_mg", None, f"{words[at - 1]} {word}", servings=float(words[at - 1]))


def _twitch_started(words: tuple[str, ...], at: int) -> bool:
    """Whether "... ago" tells when the twitching began ("it started three weeks ago")."""
    return any(
        w in ("started", "began", "start", "since", "twitching", "twitch") for w in words[max(0, at - 5) : at]
    )


def _unit(word: str) -> float | None:
    base = word[:-1] if word.endswith("s") else word
    return _UNITS_MINUTES.get(base)
