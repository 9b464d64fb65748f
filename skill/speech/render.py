"""Every word the user hears or sees (en-US): SSML (escaped), reprompts and cards; decides nothing."""

from __future__ import annotations

from typing import NamedTuple

from skill.dialogue import outcomes as o
from skill.engine import Assessment, Facts
from skill.knowledge import KnowledgeBase

__all__ = ["DISCLAIMER", "EMERGENCY_NUMBER", "Spoken", "render", "to_ssml"]

EMERGENCY_NUMBER = "{emergency_number}"  # in the knowledge base's text: the locale's number is said there

DISCLAIMER = (
    "Muscle Coach gives general information, not medical advice or a diagnosis. "
    "For medical advice, call your doctor, and in an emergency, dial your local emergency number, "
    f"{EMERGENCY_NUMBER}."
)
_PAUSE = '<break time="350ms"/>'
_INVITE = (
    "Tell me which muscles are twitching and what workout you did, like: my calves are twitching after a run."
)
_INVITE_REPROMPT = "You can say something like: my calves are twitching after my run. Or say help."
_PREFACE = {
    "sorry_report": "Sorry to hear that. Let's work out why.",
    "restart": "Sorry, I lost track of where we were, so let's start again.",
    "start_over": "Okay, starting over.",
    "not_understood": "Sorry, I didn't catch that.",
    "not_understood_again": "I'm still not sure what you mean.",
    "moving_on": "No problem, let's move on.",
    "one_at_a_time": "Let's take those one at a time.",
    "going_back": "Okay, going back.",
    "first_question": "That's the first question I asked.",
    "nothing_to_undo": "There's nothing to go back to yet.",
    "got_it": "Got it, thanks.",
}
_ADVICE_WORDS = 36
_CONSENT_KEEPS = "I'd keep only the date, the muscles and the likely cause"
_CONSENT_REPROMPT = "Should I remember this episode? Say yes or no."
_UNREACHABLE = "I'm sorry, I can't reach your history right now,"
_ORDINAL = {2: "second", 3: "third", 4: "fourth", 5: "fifth", 6: "sixth", 7: "seventh", 8: "eighth"}


class Spoken(NamedTuple):
    speech: str  # plain text; escaped into SSML by to_ssml
    reprompt: str | None = None
    card_title: str | None = None
    card_text: str | None = None


def to_ssml(text: str) -> str:
    """Escape text for SSML; sentence groups separated by a tab become short pauses."""
    return (
        "<speak>"
        + _PAUSE.join(_escape(part.strip()) for part in text.split("\t") if part.strip())
        + "</speak>"
    )


def _escape(text: str) -> str:
    """The three characters SSML (XML) text cannot hold as they are; `&` first, so no escape is escaped twice.

    Written out rather than taken from xml.sax.saxutils, whose import pulls in urllib, http, ssl and email:
    about a fifth of a cold start.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render(kb: KnowledgeBase, outcome: o.Outcome, locale: str | None = None) -> Spoken:
    """The words for `outcome`, in `locale`'s terms ("en-GB": call 999); a locale the skill does not know is
    spoken to in the fallback locale's words."""
    spoken = _words(kb, outcome)
    number = (kb.locales.get(locale or "") or kb.locales[kb.fallback_locale]).emergency_number

    def fill(text: str | None) -> str | None:
        return None if text is None else text.replace(EMERGENCY_NUMBER, number)

    return Spoken(
        spoken.speech.replace(EMERGENCY_NUMBER, number),
        fill(spoken.reprompt),
        fill(spoken.card_title),
        fill(spoken.card_text),
    )


def _words(kb: KnowledgeBase, outcome: o.Outcome) -> Spoken:
    match outcome:
        case o.Greeting():
            return _greeting(outcome)
        case o.Ask():
            return _ask(kb, outcome)
        case o.Verdict():
            return _verdict(kb, outcome)
        case o.Explain():
            return _explain(kb, outcome)
        case o.Prompt():
            return _prompt(outcome)
        case o.Recall():
            return _recall(kb, outcome)
        case o.Redirect():
            return _redirect(outcome)
        case o.Repeat():
            if outcome.speech:
                return Spoken(outcome.speech, outcome.reprompt)
            return Spoken(_INVITE, _INVITE_REPROMPT)
        case o.Farewell():
            return _farewell(kb, outcome)


def _greeting(g: o.Greeting) -> Spoken:
    parts: list[str] = []
    if g.preface:
        parts.append(_PREFACE[g.preface])
    if g.preface == "not_understood_again":
        return Spoken(f"{parts[0]} {_INVITE_REPROMPT}", _INVITE_REPROMPT)
    if g.preface in ("not_understood", "nothing_to_undo", "start_over"):
        return Spoken(f"{parts[0]} {_INVITE}", _INVITE_REPROMPT)
    if g.returning:
        parts.append("Welcome back to Muscle Coach.")
    else:
        parts.append("Welcome to Muscle Coach. I help you work out why your muscles twitch after a workout.")
    if g.disclaimer:
        parts.append("\t" + DISCLAIMER + "\t")
    parts.append(_INVITE)
    return Spoken(" ".join(parts), _INVITE_REPROMPT)


def _muscle_phrase(kb: KnowledgeBase, muscles: tuple[str, ...]) -> str:
    names = [kb.muscles[m].name for m in muscles if m in kb.muscles]
    return _join(names) if names else ""


def _ask(kb: KnowledgeBase, a: o.Ask) -> Spoken:
    parts: list[str] = []
    if a.preface == "sorry_report" and a.muscles:
        parts.append(
            f"Sorry to hear about the twitching in your {_muscle_phrase(kb, a.muscles)}. Let's work out why."
        )
    elif a.preface:
        parts.append(_PREFACE[a.preface])
    if a.disclaimer:
        parts.append("\t" + DISCLAIMER + "\t")
    if a.guidance:
        parts.append(f"{a.question.text} {a.question.reprompt}")
    else:
        parts.append(a.question.text)
    return Spoken(" ".join(parts), a.question.reprompt)


def _verdict(kb: KnowledgeBase, v: o.Verdict) -> Spoken:
    """The verdict in words, in the order the outcome decided: the action first when it is urgent."""
    a = v.assessment
    parts: list[str] = []
    if v.triage == "urgent":
        parts.extend(flag.say for flag in v.flags)
        if v.disclaimer:
            parts.append("\t" + DISCLAIMER)
        return Spoken(" ".join(parts), None, "Get help now", _card(kb, v))
    if v.preface and v.preface not in ("sorry_report",):
        parts.append(_PREFACE[v.preface])
    if v.disclaimer:
        parts.append(DISCLAIMER + "\t")
    if "urgent" in v.unsure:
        parts.append(kb.urgent_safety_net.text + "\t")
    if v.triage == "doctor":
        if v.pattern_count:
            parts.append(_pattern(kb, v))
        parts.extend(flag.say for flag in v.flags)
        parts.extend(aid.text for aid in v.plan.first_aid)
        if a.leader is not None and v.name_cause:
            parts.append(
                f"\tAs for the twitching itself, the likely cause is {kb.causes[a.leader.id].name}, but a doctor should check it."
            )
    else:
        # what to do now (a hypo's sugar, cooling down) comes before why
        parts.extend(aid.text + "\t" for aid in v.plan.first_aid)
        parts.append(_likely_cause(kb, v))
        parts.append("\t" + " ".join(item.text for item in v.plan.advice))
        if v.runner_up is not None:
            parts.append(f"\tIt could also be {kb.causes[v.runner_up].name}.")
        if "doctor" in v.unsure:
            parts.append(kb.safety_net.text)
        elif v.plan.safety_net is not None:
            parts.append(v.plan.safety_net.text)
    if v.unsaved:
        parts.append(f"\t{_UNREACHABLE} so I couldn't save this episode.")
    reprompt: str | None
    if v.follow_up == "consent":
        parts.append(
            "\tOne more thing: would you like me to remember this episode, so I can tell you if twitching becomes a habit? "
            f"{_CONSENT_KEEPS}."
        )
        reprompt = _CONSENT_REPROMPT
    elif v.follow_up == "more":
        parts.append("\tWould you like more tips? You can also ask why I think so.")
        reprompt = "Say yes for more tips, why to hear my reasons, or stop."
    else:
        reprompt = None
    title = "See a doctor" if v.triage == "doctor" else "Your likely cause"
    return Spoken(" ".join(parts), reprompt, title, _card(kb, v))


def _likely_cause(kb: KnowledgeBase, v: o.Verdict) -> str:
    a = v.assessment
    if a.leader is None:
        return ""
    cause = kb.causes[a.leader.id]
    said: list[str] = []
    seen: list[str] = []
    for reason in v.reasons:
        if reason.finding == "worked_only" and reason.derived:
            seen.append(_worked_muscles(kb, v.facts, worked=reason.present))
        else:
            finding = kb.findings[reason.finding]
            said.append(finding.yes if reason.present else finding.no)
    because = [f"you said {_join(said)}"] if said else []
    because.extend(seen)
    if because:
        return f"The likely cause is {cause.name}, because {', and '.join(because)}."
    return f"The likely cause is {cause.name}. {cause.what}"


def _worked_muscles(kb: KnowledgeBase, facts: Facts, *, worked: bool) -> str:
    """Why the twitching is (or is not) in the muscles worked, in the user's own terms: what they said, not "you said"."""
    where = _muscle_phrase(kb, facts.muscles()) or "those muscles"
    if not worked:
        return f"the twitching is in your {where}, beyond the muscles you worked"
    workout = facts.workout()
    session = f"your {kb.workouts[workout].name}" if workout in kb.workouts else "your workout"
    return f"the twitching is in your {where}, which {session} worked"


def _pattern(kb: KnowledgeBase, v: o.Verdict) -> str:
    nth = _ORDINAL.get(v.pattern_count, f"number {v.pattern_count}")
    where = _muscle_phrase(kb, v.pattern_muscles)
    days = kb.habitual_window_days
    window = "two weeks" if days == 14 else f"{days} days"
    text = f"This is the {nth} time in {window} you've told me about twitching"
    text += f", in your {where}." if where else "."
    return text + " Twitching that keeps coming back after workouts is worth talking over with your doctor."


def _card(kb: KnowledgeBase, v: o.Verdict) -> str:
    a = v.assessment
    lines: list[str] = []
    if a.triage != "urgent" and "urgent" in v.unsure:
        lines.append(kb.urgent_safety_net.text)
    for flag in a.red_flags:
        lines.append(flag.say)
    lines.extend(aid.text for aid in v.plan.first_aid)
    if a.leader is not None:
        cause = kb.causes[a.leader.id]
        lines.append(f"Likely cause: {cause.name} ({round(a.leader.score * 100)}%). {cause.what}")
        lines.extend(f"- {item.text}" for item in (*v.plan.advice, *v.plan.more))
        if a.runner_up is not None:
            lines.append(
                f"Also possible: {kb.causes[a.runner_up.id].name} ({round(a.runner_up.score * 100)}%)."
            )
    if a.triage != "urgent":
        lines.append(v.plan.safety_net.text if v.plan.safety_net is not None else kb.safety_net.text)
    lines.append(DISCLAIMER)
    return "\n".join(lines)


def _explain(kb: KnowledgeBase, e: o.Explain) -> Spoken:
    back = e.question.text if e.question is not None else None
    reprompt = e.question.reprompt if e.question is not None else _INVITE_REPROMPT
    if e.topic == "why_question" and e.question is not None:
        return Spoken(f"{e.question.why} So, {_lower_first(e.question.text)}", reprompt)
    if e.topic == "why_verdict" and e.assessment is not None:
        if e.phase == "consent":  # the pending yes/no is still whether to remember: ask that, not about tips
            return Spoken(
                _why_verdict(kb, e.assessment) + "\tSo, would you like me to remember this episode?",
                _CONSENT_REPROMPT,
            )
        return Spoken(
            _why_verdict(kb, e.assessment) + "\tWould you like more tips?", "Say yes for more tips, or stop."
        )
    # help, aware of where the user is
    if e.question is not None:
        text = (
            f"I'm asking: {_lower_first(e.question.text)} {e.question.reprompt} "
            "You can also say I'm not sure, ask why I'm asking, or say start over."
        )
        return Spoken(text, reprompt)
    if e.phase in ("verdict", "done") and e.assessment is not None:
        return Spoken(
            "You can say more tips, ask why I think so, say start over to describe a new twitch, or say stop.",
            "Say more tips, why, start over, or stop.",
        )
    if e.phase == "consent":
        return Spoken(
            "I'm asking whether to remember this episode, so I can notice if twitching keeps coming back. Say yes or no.",
            _CONSENT_REPROMPT,
        )
    if e.phase == "confirm_forget":
        return Spoken("Say yes to delete everything I remember about you, or no to keep it.", "Yes or no?")
    text = (
        "I help you work out why your muscles twitch after exercise. Tell me which muscles are twitching and what "
        "you did, and I'll ask a few short questions. "
    )
    if back is None:
        text += "For example, say: my calves are twitching after my run."
    return Spoken(text, _INVITE_REPROMPT)


def _why_verdict(kb: KnowledgeBase, a: Assessment) -> str:
    if a.leader is None:
        return a.red_flags[0].say if a.red_flags else ""
    cause = kb.causes[a.leader.id]
    reasons = [kb.findings[r.finding].yes if r.present else kb.findings[r.finding].no for r in a.reasons]
    text = (
        f"I think it's {cause.name} because {_join(reasons)}." if reasons else f"I think it's {cause.name}."
    )
    return f"{text} {cause.why}"


def _prompt(p: o.Prompt) -> Spoken:
    if p.preface == "still_fits":
        return _still_fits(p)
    if p.topic == "confirm_forget":
        return Spoken(
            "Do you want me to forget everything I remember about your twitching? Say yes to delete it, or no to keep it.",
            "Should I delete your history? Say yes or no.",
        )
    if p.topic == "no_history_kept":
        return Spoken(
            "I'm not keeping any history for you, so there's nothing to forget. " + _INVITE, _INVITE_REPROMPT
        )
    if p.topic == "more":
        return Spoken(
            "No problem. Say yes for more tips, why to hear my reasons, or stop.",
            "Say yes for more tips, why, or stop.",
        )
    return Spoken(
        f"It's up to you. {_CONSENT_KEEPS}, so I can tell you if twitching becomes a habit. {_CONSENT_REPROMPT}",
        _CONSENT_REPROMPT,
    )


def _still_fits(p: o.Prompt) -> Spoken:
    if p.topic == "consent":
        return Spoken(
            f"Got it, thanks; that doesn't change my answer. {_CONSENT_REPROMPT}", _CONSENT_REPROMPT
        )
    return Spoken(
        "Got it, thanks; that doesn't change my answer. Would you like more tips? Say yes, or stop.",
        "Say yes for more tips, why, or stop.",
    )


_REDIRECT = {
    "pain_only": (
        "I'm built for muscle twitches, spasms and cramps around exercise, so I can't say much about pain on its "
        "own. Rest it, and get medical care today if the pain is severe, the area swells, or your urine turns dark "
        "brown.\tIs there any twitching or cramping as well? If so, tell me where."
    ),
    "not_twitching": (
        "I'm built for muscle twitches, spasms and cramps around exercise.\tIf that's what's happening, tell me "
        "which muscles and what you did, like: my calves are twitching after my run. Or say stop."
    ),
    "nothing_yet_again": (
        "Just tell me where the twitching is and what you did, or say stop.\tFor example: my thighs are twitching "
        "after my spin class."
    ),
    "nothing_yet": (
        "No problem.\tWhenever your muscles twitch, spasm or cramp around a workout, tell me which ones and what you "
        "did, like: my calves are twitching after my run. Or say stop."
    ),
}


def _redirect(r: o.Redirect) -> Spoken:
    return Spoken(_REDIRECT[r.reason], _INVITE_REPROMPT)


def _recall(kb: KnowledgeBase, r: o.Recall) -> Spoken:
    spoken = _recalled(kb, r)
    if r.then is None:
        return spoken
    # back to the question pending, rather than to the start
    return Spoken(spoken.speech.removesuffix(_INVITE).rstrip() + f"\t{r.then.text}", r.then.reprompt)


def _recalled(kb: KnowledgeBase, r: o.Recall) -> Spoken:
    if not r.reachable:
        text = f"{_UNREACHABLE} so I can't tell you what I said before. Please try again later. " + _INVITE
        return Spoken(text, _INVITE_REPROMPT)
    if r.cause is None and r.triage is None:
        if r.consent is not True:
            text = "I don't keep a history for you, so I can't say what I told you before. " + _INVITE
        else:
            text = "I don't have any earlier episodes saved for you yet. " + _INVITE
        return Spoken(text, _INVITE_REPROMPT)
    when = f"On {r.day}" if r.day else "Last time"
    if r.triage == "urgent":
        said = "I told you to get medical help right away"
    elif r.cause and r.cause in kb.causes:
        said = f"I said the likely cause was {kb.causes[r.cause].name}"
        if r.triage == "doctor":
            said += ", and that you should see a doctor"
    else:
        said = "I told you to see a doctor"
    return Spoken(f"{when}, {said}. " + _INVITE, _INVITE_REPROMPT)


def _farewell(kb: KnowledgeBase, f: o.Farewell) -> Spoken:
    if f.reason == "more_given" and f.more is not None and f.more.leader is not None:
        cause = kb.causes[f.more.leader.id]
        tips = [item.text for item in f.tips]
        more = " ".join(tips) if tips else f"That's all my tips for {cause.name}. {cause.why}"
        return Spoken(f"{more}\t{kb.safety_net.text} Take care!")
    text = {
        "stop": "Okay. Take care, and go easy on those muscles.",
        "done": "Okay. Take care, and go easy on those muscles.",
        "consent_yes": "Okay, I'll remember it. You can say forget my history at any time. Take care!",
        "consent_no": "Okay, I won't remember anything. Take care!",
        "forgotten": "Done. I've deleted everything I remembered about you. Take care!",
        "kept": "Okay, I'll keep your history as it is. Take care!",
        "more_given": "Take care, and go easy on those muscles.",
        "forget_failed": f"{_UNREACHABLE} so I couldn't delete it. Please try again in a little while. Take care!",
        "consent_unsaved": f"{_UNREACHABLE} so I couldn't save this episode. Please try again next time. Take care!",
    }[f.reason]
    return Spoken(text)


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text
