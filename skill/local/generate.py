"""Generates interaction_models/<locale>.json from its grammar source and the knowledge base's lexicon; never in Lambda.

The intents and their samples are written as a grammar (interaction_models/source/<locale>.yaml): each sample
pattern may hold alternatives `(a|b)`, optional words `[the]` and named shared phrases `<name>`, and expands into
every sample it stands for, in a stable order with duplicates dropped. The custom slot types come from the lexicon
(skill/knowledge/data/lexicon.yaml), the one place the words for each slot value live: Alexa hears them through
the generated slot types, and the skill's own reader (skill/dialogue/reader.py) matches raw words against the same
lists, so the two can never drift apart.

Every English locale shares the en-US grammar. A locale's source (e.g. source/en-GB.yaml) is an overlay: it names
the sources it `extends` (en-US, and shared fragments whose names start with `_`), then adds its own alternatives
to shared phrases, samples to intents and slots, never removing anything; its slot types are the lexicon's words
plus the lexicon's `locale_words` for that locale. en-US itself extends nothing and hears only the base lexicon, so
a locale's words never change another locale's model. The generator refuses, with every problem named, a sample claimed by two
intents, a slot the intent does not declare, and anything over Amazon's interaction-model limits (LIMITS).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, NoReturn

from skill.errors import MuscleCoachError
from skill.knowledge import KnowledgeBase

__all__ = [
    "LIMITS",
    "GrammarError",
    "Limits",
    "expand",
    "generated_model",
    "load_grammar",
    "locale_grammar",
    "locale_sources",
    "model_json",
    "slot_types",
    "write_model",
]


class GrammarError(MuscleCoachError):
    """The grammar source is malformed, or the model it expands to breaks a rule or a limit (names each problem)."""


@dataclass(frozen=True, slots=True)
class Limits:
    """Amazon's published limits on a custom skill's interaction model that this skill could plausibly reach.

    Source: "Create the Interaction Model for Your Skill", section "Interaction model limits",
    https://developer.amazon.com/en-US/docs/alexa/custom-skills/create-the-interaction-model-for-your-skill.html#limits
    The 50,000 custom slot values "totaled across all custom slots used in the interaction model" are Amazon's own
    words; the other figures are that table as last read, to re-check when the model comes near one. A sample
    with an AMAZON.SearchQuery slot needs a carrier phrase (the model build refuses "Sample intent utterances
    with phrase types cannot consist of only slots").
    """

    intents: int = 250
    samples_per_intent: int = 2_000
    characters_per_sample: int = 200
    slot_values: int = 50_000
    characters_per_slot_value: int = 140
    model_bytes: int = 1_500_000


LIMITS: Final = Limits()

_TOKEN = re.compile(r"\s*(?:([()\[\]|])|<([a-z_]+)>|(\{[A-Za-z_]+\})|([^\s()\[\]|<>{}]+)|(\S))")
_SLOT_REF = re.compile(r"\{([A-Za-z_]+)\}")
_SAMPLE_TEXT = re.compile(r"[a-z' .]+")
_SEARCH_QUERY = "AMAZON.SearchQuery"


def expand(pattern: str, phrases: Mapping[str, Sequence[str]] | None = None) -> list[str]:
    """Every sample `pattern` stands for, in order, without duplicates.

    `(a|b)` is one of the alternatives (an alternative may be empty: `(a|)`), `[a b]` is optional, `<name>` is any
    of the shared phrases `phrases[name]` (themselves patterns), `{slot}` and plain words stand for themselves.
    Alternatives vary from left to right: the first choice is held while the later ones run through theirs.
    """
    return _unique(" ".join(sample.split()) for sample in _Parser(pattern, phrases or {}, ()).parse())


def _unique(samples: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(samples))


class _Parser:
    """A recursive-descent reading of one pattern, producing its expansions as lists of strings."""

    def __init__(
        self,
        pattern: str,
        phrases: Mapping[str, Sequence[str]],
        using: tuple[str, ...],
        root: str | None = None,
    ) -> None:
        self._pattern = pattern
        self._root = pattern if root is None else root
        self._phrases = phrases
        self._using = using
        self._tokens: list[tuple[str, str]] = []
        for match in _TOKEN.finditer(pattern):
            symbol, phrase, slot, word, stray = match.groups()
            if stray is not None:
                self._fail(f"unexpected {stray!r}")
            if symbol is not None:
                self._tokens.append(("symbol", symbol))
            elif phrase is not None:
                self._tokens.append(("phrase", phrase))
            else:
                self._tokens.append(("word", slot or word or ""))
        self._at = 0

    def _fail(self, problem: str) -> NoReturn:
        inside = f" (in <{self._using[-1]}>: {self._pattern!r})" if self._using else ""
        raise GrammarError(f"pattern {self._root!r}{inside}: {problem}")

    def _peek(self) -> str | None:
        return self._tokens[self._at][1] if self._at < len(self._tokens) else None

    def parse(self) -> list[str]:
        result = self._choice()
        if self._at != len(self._tokens):
            self._fail(f"unbalanced {self._peek()!r}")
        if "" in result and not self._using:
            self._fail("can expand to nothing")
        return result

    def _choice(self) -> list[str]:
        options = self._sequence()
        while self._peek() == "|":
            self._at += 1
            options = options + self._sequence()
        return options

    def _sequence(self) -> list[str]:
        result = [""]
        while self._at < len(self._tokens) and self._peek() not in ("|", ")", "]"):
            part = self._item()
            result = [f"{left} {right}".strip() for left in result for right in part]
        return result

    def _item(self) -> list[str]:
        kind, text = self._tokens[self._at]
        self._at += 1
        if kind == "word":
            return [text]
        if kind == "phrase":
            return self._phrase(text)
        if text in ("(", "["):
            closing = ")" if text == "(" else "]"
            inner = self._choice()
            if self._peek() != closing:
                self._fail(f"{text!r} is never closed with {closing!r}")
            self._at += 1
            return [*inner, ""] if text == "[" else inner
        self._fail(f"unexpected {text!r}")

    def _phrase(self, name: str) -> list[str]:
        if name not in self._phrases:
            self._fail(f"no shared phrase <{name}>")
        if name in self._using:
            self._fail(f"shared phrase <{name}> refers to itself")
        found: list[str] = []
        for alternative in self._phrases[name]:
            found.extend(_Parser(alternative, self._phrases, (*self._using, name), self._root).parse())
        return found


def load_grammar(path: Path) -> dict[str, Any]:
    """The grammar source at `path` as a mapping (slow path: imports yaml)."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise GrammarError(f"cannot read the grammar {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise GrammarError(f"{path}: the grammar must be a mapping")
    return data


_OVERLAY_KEYS = frozenset({"extends", "invocation", "slot_sets", "phrases", "intents"})


def locale_sources(source_dir: Path) -> dict[str, Path]:
    """Each locale with a grammar source in `source_dir` (fragments, named `_...`, are not locales), en-US first."""
    found = {p.stem: p for p in sorted(source_dir.glob("*.yaml")) if not p.stem.startswith("_")}
    return dict(sorted(found.items(), key=lambda item: (item[0] != "en-US", item[0])))


def locale_grammar(source_dir: Path, locale: str) -> dict[str, Any]:
    """The whole grammar of `locale`: its source merged over every source it `extends`, in order."""
    return _resolved_grammar(source_dir, locale, ())


def _resolved_grammar(source_dir: Path, name: str, using: tuple[str, ...]) -> dict[str, Any]:
    if name in using:
        raise GrammarError(f"{name}.yaml extends itself through {' -> '.join(using)}")
    overlay = load_grammar(source_dir / f"{name}.yaml")
    unknown = sorted(set(overlay) - _OVERLAY_KEYS)
    if unknown:
        raise GrammarError(f"{name}.yaml: unknown keys {', '.join(map(repr, unknown))}")
    parents = overlay.get("extends") or []
    if isinstance(parents, str):
        parents = [parents]
    merged: dict[str, Any] = {}
    for parent in parents:
        merged = _merged(merged, _resolved_grammar(source_dir, str(parent), (*using, name)), name)
    return _merged(merged, {k: v for k, v in overlay.items() if k != "extends"}, name)


def _merged(base: Mapping[str, Any], overlay: Mapping[str, Any], where: str) -> dict[str, Any]:
    """`overlay` added to `base`: more alternatives, samples and slots, never fewer; its invocation replaces."""
    result: dict[str, Any] = {"invocation": overlay.get("invocation") or base.get("invocation", "")}
    slot_sets = {name: dict(slots) for name, slots in (base.get("slot_sets") or {}).items()}
    for name, slots in (overlay.get("slot_sets") or {}).items():
        slot_sets.setdefault(name, {}).update(slots)
    result["slot_sets"] = slot_sets
    phrases = {name: list(items) for name, items in (base.get("phrases") or {}).items()}
    for name, items in (overlay.get("phrases") or {}).items():
        if not isinstance(items, list):
            raise GrammarError(f"{where}.yaml: shared phrase {name!r} must be a list")
        phrases[name] = _unique([*phrases.get(name, []), *items])
    result["phrases"] = phrases
    intents = {name: dict(spec or {}) for name, spec in (base.get("intents") or {}).items()}
    for name, spec in (overlay.get("intents") or {}).items():
        spec = spec or {}
        mine = intents.setdefault(name, {})
        if spec.get("samples"):
            mine["samples"] = [*(mine.get("samples") or []), *spec["samples"]]
        if spec.get("slots"):
            mine["slots"] = {**(mine.get("slots") or {}), **spec["slots"]}
        if spec.get("slot_sets"):
            mine["slot_sets"] = _unique([*(mine.get("slot_sets") or []), *spec["slot_sets"]])
    result["intents"] = intents
    return result


def slot_types(kb: KnowledgeBase, locale: str = "en-US") -> list[dict[str, Any]]:
    """The ASK `types` array for the lexicon: each value with its id and synonyms, in the lexicon's order, then the
    words the lexicon adds for `locale` only (none for en-US)."""
    extra = kb.locale_words.get(locale, {})
    return [
        {
            "name": name,
            "values": [
                {
                    "id": value.id,
                    "name": {
                        "value": value.value,
                        "synonyms": [*value.synonyms, *extra.get(name, {}).get(value.id, ())],
                    },
                }
                for value in entry.values
            ],
        }
        for name, entry in kb.lexicon.items()
    ]


def _intent_slots(name: str, spec: Mapping[str, Any], slot_sets: Mapping[str, Any]) -> dict[str, str]:
    slots: dict[str, str] = {}
    for set_name in spec.get("slot_sets", []):
        if set_name not in slot_sets:
            raise GrammarError(f"{name}: no slot set {set_name!r}")
        slots.update(slot_sets[set_name])
    slots.update(spec.get("slots") or {})
    return slots


def _sample_problems(intent: str, sample: str, slots: Mapping[str, str], limits: Limits) -> list[str]:
    problems = []
    where = f"{intent}: sample {sample!r}"
    refs = _SLOT_REF.findall(sample)
    for ref in refs:
        if ref not in slots:
            problems.append(f"{where} uses the undeclared slot {{{ref}}}")
    if not _SAMPLE_TEXT.fullmatch(_SLOT_REF.sub("x", sample)):
        problems.append(f"{where} must be lower-case words, apostrophes and periods only")
    if len(sample) > limits.characters_per_sample:
        problems.append(
            f"{where} has {len(sample)} characters, over Amazon's limit of {limits.characters_per_sample}"
        )
    if any(slots.get(ref) == _SEARCH_QUERY for ref in refs) and not _SLOT_REF.sub("", sample).strip():
        problems.append(f"{where} is an {_SEARCH_QUERY} slot alone: Amazon requires a carrier phrase")
    return problems


def generated_model(
    grammar: Mapping[str, Any], kb: KnowledgeBase, limits: Limits = LIMITS, locale: str = "en-US"
) -> dict[str, Any]:
    """The ASK interaction model document the grammar and the lexicon (with `locale`'s words) describe;
    GrammarError names every problem."""
    phrases: dict[str, list[str]] = {}
    for name, items in (grammar.get("phrases") or {}).items():
        if (
            not isinstance(name, str)
            or not isinstance(items, list)
            or not all(isinstance(i, str) for i in items)
        ):
            # YAML reads a bare yes, no, on or off as a boolean: quote it
            raise GrammarError(f"shared phrase {name!r}: its name and every alternative must be text")
        phrases[name] = list(items)
    slot_sets = grammar.get("slot_sets") or {}
    problems: list[str] = []
    owner: dict[str, str] = {}
    intents: list[dict[str, Any]] = []
    for name, spec in (grammar.get("intents") or {}).items():
        spec = spec or {}
        slots = _intent_slots(name, spec, slot_sets)
        patterns = spec.get("samples") or []
        for pattern in patterns:
            if not isinstance(pattern, str):
                # YAML reads a bare yes, no, on or off as a boolean: quote it
                raise GrammarError(f"{name}: sample pattern {pattern!r} is not text")
        samples = _unique(sample for pattern in patterns for sample in expand(pattern, phrases))
        for sample in samples:
            problems.extend(_sample_problems(name, sample, slots, limits))
            first = owner.setdefault(sample, name)
            if first != name:
                problems.append(f"sample {sample!r} is in both {first} and {name}")
        if len(samples) > limits.samples_per_intent:
            problems.append(
                f"{name} has {len(samples)} samples, over Amazon's limit of {limits.samples_per_intent}"
            )
        intents.append(
            {
                "name": name,
                "slots": [{"name": slot, "type": slot_type} for slot, slot_type in slots.items()],
                "samples": samples,
            }
        )
    if len(intents) > limits.intents:
        problems.append(f"the model has {len(intents)} intents, over Amazon's limit of {limits.intents}")
    types = slot_types(kb, locale)
    values = [
        phrase
        for slot_type in types
        for value in slot_type["values"]
        for phrase in (value["name"]["value"], *value["name"]["synonyms"])
    ]
    if len(values) > limits.slot_values:
        problems.append(
            f"the slot types have {len(values)} values, over Amazon's limit of {limits.slot_values}"
        )
    for phrase in values:
        if len(phrase) > limits.characters_per_slot_value:
            problems.append(
                f"slot value {phrase!r} has {len(phrase)} characters, over Amazon's limit of "
                f"{limits.characters_per_slot_value}"
            )
    model = {
        "interactionModel": {
            "languageModel": {
                "invocationName": grammar.get("invocation", ""),
                "intents": intents,
                "types": types,
            }
        }
    }
    size = len(model_json(model).encode("utf-8"))
    if size > limits.model_bytes:
        problems.append(f"the model is {size} bytes, over Amazon's limit of {limits.model_bytes}")
    if problems:
        raise GrammarError("the interaction model cannot be generated:\n  " + "\n  ".join(problems))
    return model


def model_json(model: Mapping[str, Any]) -> str:
    """The model file's text: two-space indentation, as the ASK CLI writes it, and a final newline."""
    return json.dumps(model, indent=2, ensure_ascii=False) + "\n"


def write_model(source: Path, path: Path, kb: KnowledgeBase) -> bool:
    """Write the model generated from the grammar at `source` (named <locale>.yaml, with what it extends) to
    `path`; True when the file changed."""
    locale = source.stem
    after = model_json(generated_model(locale_grammar(source.parent, locale), kb, locale=locale))
    before = path.read_text(encoding="utf-8") if path.exists() else None
    if after == before:
        return False
    path.write_text(after, encoding="utf-8")
    return True
