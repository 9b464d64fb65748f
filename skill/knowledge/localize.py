"""The knowledge base in a locale's words: its prose with that locale's overlays applied, by a fallback chain.

Every sentence the knowledge base holds for the user has a path: `red_flags.<id>.say`, `causes.<id>.advice.<id>`,
`questions.<id>.reprompt`, ... (`prose(kb)` lists them all). An overlay (`data/text/en-GB.yaml`) replaces some
of them; the chain for en-GB is en-GB, then en, then the base text, as ask-sdk-core's locale template enumerator
resolves templates (`view_resolvers/locale_template_enumerator.py`). Terms in braces ({emergency_number},
{a_doctor}) stay in the text: the speech layer fills them, in knowledge and phrases alike.
"""

from __future__ import annotations

from collections.abc import Mapping

from skill.knowledge.model import KnowledgeBase, Text

__all__ = ["locale_chain", "localized", "prose", "served_locale", "with_prose"]


def served_locale(kb: KnowledgeBase, locale: str | None) -> str:
    """The served locale `locale` names ("en-GB", also "en-gb" or "en_GB": language tags are case-insensitive,
    RFC 5646 section 2.1.1), else the fallback locale (en-US)."""
    if locale is None:
        return kb.fallback_locale
    if locale in kb.locales:
        return locale
    wanted = locale.strip().replace("_", "-").lower()
    return next((name for name in kb.locales if name.lower() == wanted), kb.fallback_locale)


def locale_chain(locale: str) -> tuple[str, ...]:
    """Where a locale's words are looked for, most specific first, the base text last (not named):
    "en-GB" -> ("en-GB", "en")."""
    language = locale.split("-", 1)[0]
    return (locale, language) if language != locale else (locale,)


_CACHED = 16
_localized: dict[tuple[int, str], tuple[KnowledgeBase, KnowledgeBase]] = {}


def localized(kb: KnowledgeBase, locale: str | None) -> KnowledgeBase:
    """`kb` with its prose in `locale`'s words (an unknown locale gets the fallback's); the same object per
    locale, built on first use. Nothing but prose differs: causes, findings and rules are the base's."""
    tag = served_locale(kb, locale)
    key = (id(kb), tag)
    found = _localized.get(key)
    if found is not None and found[0] is kb:
        return found[1]
    texts: dict[str, str] = {}
    for name in reversed(locale_chain(tag)):  # the language's overlay first, the locale's own over it
        texts.update(kb.text_overlays.get(name, {}))
    result = with_prose(kb, texts) if texts else kb
    if len(_localized) >= _CACHED:  # a few knowledge bases' worth of locales, as the engine's tables keep
        _localized.clear()
    _localized[key] = (kb, result)
    return result


def prose(kb: KnowledgeBase) -> dict[str, str]:
    """Every sentence or name in `kb` a user may hear, by path."""
    texts: dict[str, str] = {}
    for cause in kb.causes.values():
        at = f"causes.{cause.id}"
        texts |= {f"{at}.name": cause.name, f"{at}.what": cause.what, f"{at}.why": cause.why}
        texts[f"{at}.safety_net"] = cause.safety_net.text
        texts |= {f"{at}.advice.{a.id}": a.text for a in cause.advice}
    for finding in kb.findings.values():
        texts |= {f"findings.{finding.id}.yes": finding.yes, f"findings.{finding.id}.no": finding.no}
    for q in kb.questions.values():
        at = f"questions.{q.id}"
        texts |= {f"{at}.text": q.text, f"{at}.reprompt": q.reprompt, f"{at}.why": q.why}
    texts |= {f"red_flags.{flag.id}.say": flag.say for flag in kb.red_flags}
    texts |= {f"first_aid.{aid.id}": aid.text for aid in kb.first_aid.values()}
    texts |= {f"muscles.{x.id}.name": x.name for x in kb.muscles.values()}
    texts |= {f"workouts.{x.id}.name": x.name for x in kb.workouts.values()}
    for kind in kb.twitch_kinds.values():
        texts |= {f"twitch_kinds.{kind.id}.name": kind.name, f"twitch_kinds.{kind.id}.what": kind.what}
    texts["safety_net"] = kb.safety_net.text
    texts["urgent_safety_net"] = kb.urgent_safety_net.text
    return texts


def with_prose(kb: KnowledgeBase, texts: Mapping[str, str]) -> KnowledgeBase:
    """`kb` with the sentences at the paths of `texts` replaced (paths as `prose` names them). Raises KeyError
    for a path `kb` does not have."""
    unknown = set(texts) - set(prose(kb))
    if unknown:
        raise KeyError(f"no such text in the knowledge base: {', '.join(sorted(unknown))}")

    def say(path: str, text: str) -> str:
        return texts.get(path, text)

    causes = {
        cid: c._replace(
            name=say(f"causes.{cid}.name", c.name),
            what=say(f"causes.{cid}.what", c.what),
            why=say(f"causes.{cid}.why", c.why),
            safety_net=c.safety_net._replace(text=say(f"causes.{cid}.safety_net", c.safety_net.text)),
            advice=tuple(a._replace(text=say(f"causes.{cid}.advice.{a.id}", a.text)) for a in c.advice),
        )
        for cid, c in kb.causes.items()
    }
    return kb._replace(
        causes=causes,
        findings={
            fid: f._replace(yes=say(f"findings.{fid}.yes", f.yes), no=say(f"findings.{fid}.no", f.no))
            for fid, f in kb.findings.items()
        },
        questions={
            qid: q._replace(
                text=say(f"questions.{qid}.text", q.text),
                reprompt=say(f"questions.{qid}.reprompt", q.reprompt),
                why=say(f"questions.{qid}.why", q.why),
            )
            for qid, q in kb.questions.items()
        },
        red_flags=tuple(
            flag._replace(say=say(f"red_flags.{flag.id}.say", flag.say)) for flag in kb.red_flags
        ),
        first_aid={
            aid_id: a._replace(text=say(f"first_aid.{aid_id}", a.text)) for aid_id, a in kb.first_aid.items()
        },
        muscles={
            x_id: x._replace(name=say(f"muscles.{x_id}.name", x.name)) for x_id, x in kb.muscles.items()
        },
        workouts={
            x_id: x._replace(name=say(f"workouts.{x_id}.name", x.name)) for x_id, x in kb.workouts.items()
        },
        twitch_kinds={
            k_id: k._replace(
                name=say(f"twitch_kinds.{k_id}.name", k.name), what=say(f"twitch_kinds.{k_id}.what", k.what)
            )
            for k_id, k in kb.twitch_kinds.items()
        },
        safety_net=Text(say("safety_net", kb.safety_net.text), kb.safety_net.source),
        urgent_safety_net=Text(
            say("urgent_safety_net", kb.urgent_safety_net.text), kb.urgent_safety_net.source
        ),
    )
