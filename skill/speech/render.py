"""Every word the user hears or sees, in the request's locale: SSML (escaped), reprompts and cards; decides nothing.

The sentences come from the phrase books (skill/speech/phrases/, by skill.speech.phrasebook) and the knowledge
base's text in the locale's words (skill.knowledge.localize); this module only chooses and joins them.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, NamedTuple

from skill.dialogue import outcomes as o
from skill.engine import Assessment, Facts
from skill.knowledge import KnowledgeBase
from skill.speech.phrasebook import Phrasebook, phrasebook

__all__ = ["LAST_RESORT", "Fault", "Spoken", "disclaimer", "render", "render_fault", "say_date", "to_ssml"]

_PAUSE = '<break time="350ms"/>'
# The only sentence kept in code: said when the phrase books themselves cannot be read, so there is no other.
LAST_RESORT = "Sorry, something went wrong. Please try again."
Fault = Literal["unreadable", "unsupported", "failed"]


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
    """The words for `outcome` in `locale`'s phrases and terms ("en-GB": see your GP, call 999); `kb` is the
    knowledge base the turn ran on, already in that locale's words (skill.knowledge.localize.localized). A
    locale the skill does not serve is spoken to in the fallback locale's words. Raises KeyError when a phrase
    file lacks a phrase the outcome needs (the phrase-file checks make sure none does)."""
    book = phrasebook(kb, locale)
    spoken = _Words(kb, book).of(outcome)
    return Spoken(
        book.fill(spoken.speech),
        _fill(book, spoken.reprompt),
        _fill(book, spoken.card_title),
        _fill(book, spoken.card_text),
    )


def render_fault(kb: KnowledgeBase, fault: Fault, locale: str | None = None) -> Spoken:
    """The words when a turn cannot run: a request that cannot be read, a request type the skill does not use,
    or a failure on the skill's side; the session stays open for another try."""
    book = phrasebook(kb, locale)
    return Spoken(book.say(f"fault.{fault}"), book.say("fault.reprompt"))


def disclaimer(kb: KnowledgeBase, locale: str | None = None) -> str:
    """The health disclaimer in `locale`'s words, its emergency number named."""
    return phrasebook(kb, locale).say("disclaimer")


def say_date(book: Phrasebook, day: dt.date) -> str:
    """A day as said aloud in the book's locale: "November 30th" (en-US), "the 30th of November" (en-GB)."""
    return book.say("date", month=book.say(f"months.{day.month}"), day_ordinal=_ordinal_digits(day.day))


def _ordinal_digits(number: int) -> str:
    """30 -> "30th", 21 -> "21st", 12 -> "12th": an English ordinal in digits, which Alexa reads as a word."""
    if number % 100 in (11, 12, 13):
        return f"{number}th"
    return f"{number}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(number % 10, 'th') }"


def _fill(book: Phrasebook, text: str | None) -> str | None:
    return None if text is None else book.fill(text)


class _Words:
    """The words for one outcome from one knowledge base and phrase book."""

    def __init__(self, kb: KnowledgeBase, book: Phrasebook) -> None:
        self.kb = kb
        self.book = book
        self.say = book.say

    def of(self, outcome: o.Outcome) -> Spoken:
        match outcome:
            case o.Greeting():
                return self.greeting(outcome)
            case o.Ask():
                return self.ask(outcome)
            case o.Verdict():
                return self.verdict(outcome)
            case o.Explain():
                return self.explain(outcome)
            case o.Prompt():
                return self.prompt(outcome)
            case o.Recall():
                return self.recall(outcome)
            case o.Redirect():
                return Spoken(self.say(f"redirect.{outcome.reason}"), self.say("invite_reprompt"))
            case o.Repeat():
                if outcome.speech:
                    return Spoken(outcome.speech, outcome.reprompt)
                return Spoken(self.say("invite"), self.say("invite_reprompt"))
            case o.Farewell():
                return self.farewell(outcome)

    # -- pieces ---------------------------------------------------------------------------------------------

    def join(self, items: list[str]) -> str:
        """ "calves, thighs and feet"."""
        if len(items) <= 1:
            return "".join(items)
        return self.say("list.pair", first=self.say("list.separator").join(items[:-1]), last=items[-1])

    def muscles(self, muscles: tuple[str, ...]) -> str:
        return self.join([self.kb.muscles[m].name for m in muscles if m in self.kb.muscles])

    def invite(self) -> Spoken:
        return Spoken(self.say("invite"), self.say("invite_reprompt"))

    # -- outcomes -------------------------------------------------------------------------------------------

    def greeting(self, g: o.Greeting) -> Spoken:
        reprompt = self.say("invite_reprompt")
        if g.preface == "not_understood_again":
            return Spoken(f"{self.say('preface.not_understood_again')} {reprompt}", reprompt)
        if g.preface in ("not_understood", "nothing_to_undo", "start_over"):
            return Spoken(f"{self.say(f'preface.{g.preface}')} {self.say('invite')}", reprompt)
        parts: list[str] = []
        if g.preface:
            parts.append(self.say(f"preface.{g.preface}"))
        parts.append(self.say("welcome_back" if g.returning else "welcome"))
        if g.disclaimer:
            parts.append("\t" + self.say("disclaimer") + "\t")
        parts.append(self.say("invite"))
        return Spoken(" ".join(parts), reprompt)

    def ask(self, a: o.Ask) -> Spoken:
        parts: list[str] = []
        where = self.muscles(a.muscles)
        if a.preface == "sorry_report" and where:
            parts.append(self.say("preface.sorry_about", muscles=where))
        elif a.preface:
            parts.append(self.say(f"preface.{a.preface}"))
        if a.disclaimer:
            parts.append("\t" + self.say("disclaimer") + "\t")
        parts.append(f"{a.question.text} {a.question.reprompt}" if a.guidance else a.question.text)
        return Spoken(" ".join(parts), a.question.reprompt)

    def verdict(self, v: o.Verdict) -> Spoken:
        """The verdict in words, in the order the outcome decided: the action first when it is urgent."""
        kb, say = self.kb, self.say
        a = v.assessment
        parts: list[str] = []
        if v.triage == "urgent":
            parts.extend(flag.say for flag in v.flags)
            if v.disclaimer:
                parts.append("\t" + say("disclaimer"))
            return Spoken(" ".join(parts), None, say("card.title_urgent"), self.card(v))
        if v.preface and v.preface != "sorry_report":
            parts.append(say(f"preface.{v.preface}"))
        if v.disclaimer:
            parts.append(say("disclaimer") + "\t")
        if "urgent" in v.unsure:
            parts.append(kb.urgent_safety_net.text + "\t")
        if v.triage == "doctor":
            if v.pattern_count:
                parts.append(self.pattern(v))
            parts.extend(flag.say for flag in v.flags)
            parts.extend(aid.text for aid in v.plan.first_aid)
            if a.leader is not None and v.name_cause:
                parts.append("\t" + say("verdict.doctor_names_cause", cause=kb.causes[a.leader.id].name))
        else:
            # what to do now (a hypo's sugar, cooling down) comes before why
            parts.extend(aid.text + "\t" for aid in v.plan.first_aid)
            parts.append(self.likely_cause(v))
            parts.append("\t" + " ".join(item.text for item in v.plan.advice))
            if v.runner_up is not None:
                parts.append("\t" + say("verdict.could_also_be", cause=kb.causes[v.runner_up].name))
            if "doctor" in v.unsure:
                parts.append(kb.safety_net.text)
            elif v.plan.safety_net is not None:
                parts.append(v.plan.safety_net.text)
        if v.unsaved:
            parts.append("\t" + say("verdict.unsaved"))
        reprompt: str | None = None
        if v.follow_up == "consent":
            parts.append("\t" + say("verdict.offer_consent"))
            reprompt = say("verdict.consent_reprompt")
        elif v.follow_up == "more":
            parts.append("\t" + say("verdict.offer_more"))
            reprompt = say("verdict.offer_more_reprompt")
        title = say("card.title_doctor" if v.triage == "doctor" else "card.title_self_care")
        return Spoken(" ".join(parts), reprompt, title, self.card(v))

    def likely_cause(self, v: o.Verdict) -> str:
        a = v.assessment
        if a.leader is None:
            return ""
        cause = self.kb.causes[a.leader.id]
        said: list[str] = []
        seen: list[str] = []
        for reason in v.reasons:
            if reason.finding == "worked_only" and reason.derived:
                seen.append(self.worked_muscles(v.facts, worked=reason.present))
            else:
                finding = self.kb.findings[reason.finding]
                said.append(finding.yes if reason.present else finding.no)
        because = [self.say("verdict.you_said", findings=self.join(said))] if said else []
        because.extend(seen)
        if because:
            return self.say(
                "verdict.likely_because", cause=cause.name, reasons=self.say("list.reasons").join(because)
            )
        return self.say("verdict.likely_what", cause=cause.name, what=cause.what)

    def worked_muscles(self, facts: Facts, *, worked: bool) -> str:
        """Why the twitching is (or is not) in the muscles worked, in the user's own terms: what they said."""
        where = self.muscles(facts.muscles()) or self.say("verdict.those_muscles")
        if not worked:
            return self.say("verdict.twitch_beyond_worked", muscles=where)
        workout = facts.workout()
        session = (
            self.say("verdict.your_session", workout=self.kb.workouts[workout].name)
            if workout in self.kb.workouts
            else self.say("verdict.your_workout")
        )
        return self.say("verdict.twitch_in_worked", muscles=where, session=session)

    def pattern(self, v: o.Verdict) -> str:
        count = v.pattern_count
        nth_key = f"pattern.nth.{count}"
        nth = (
            self.say(nth_key) if nth_key in self.book.phrases else self.say("pattern.nth_number", count=count)
        )
        days = self.kb.habitual_window_days
        window = self.say("pattern.two_weeks") if days == 14 else self.say("pattern.days", count=days)
        where = self.muscles(v.pattern_muscles)
        if where:
            text = self.say("pattern.count_where", nth=nth, window=window, muscles=where)
        else:
            text = self.say("pattern.count", nth=nth, window=window)
        return f"{text} {self.say('pattern.advice')}"

    def card(self, v: o.Verdict) -> str:
        kb, say = self.kb, self.say
        a = v.assessment
        lines: list[str] = []
        if a.triage != "urgent" and "urgent" in v.unsure:
            lines.append(kb.urgent_safety_net.text)
        lines.extend(flag.say for flag in a.red_flags)
        lines.extend(aid.text for aid in v.plan.first_aid)
        if a.leader is not None:
            cause = kb.causes[a.leader.id]
            lines.append(
                say("card.likely", cause=cause.name, percent=round(a.leader.score * 100), what=cause.what)
            )
            lines.extend(say("card.tip", tip=item.text) for item in (*v.plan.advice, *v.plan.more))
            if a.runner_up is not None:
                runner_up = kb.causes[a.runner_up.id].name
                lines.append(
                    say("card.also_possible", cause=runner_up, percent=round(a.runner_up.score * 100))
                )
        if a.triage != "urgent":
            lines.append(v.plan.safety_net.text if v.plan.safety_net is not None else kb.safety_net.text)
        lines.append(say("disclaimer"))
        return "\n".join(lines)

    def explain(self, e: o.Explain) -> Spoken:
        say = self.say
        reprompt = e.question.reprompt if e.question is not None else say("invite_reprompt")
        if e.topic == "see_doctor":
            return self.see_doctor(e)
        if e.topic == "why_question" and e.question is not None:
            return Spoken(
                say("explain.why_question", why=e.question.why, question=_lower_first(e.question.text)),
                reprompt,
            )
        if e.topic == "why_verdict" and e.assessment is not None:
            if (
                e.phase == "consent"
            ):  # the pending yes/no is still whether to remember: ask that, not about tips
                return Spoken(
                    self.why_verdict(e.assessment) + "\t" + say("explain.then_consent"),
                    say("verdict.consent_reprompt"),
                )
            return Spoken(
                self.why_verdict(e.assessment) + "\t" + say("explain.then_more"),
                say("explain.then_more_reprompt"),
            )
        # help, aware of where the user is
        if e.question is not None:
            text = say(
                "explain.help_question", question=_lower_first(e.question.text), reprompt=e.question.reprompt
            )
            return Spoken(text, reprompt)
        if e.phase in ("verdict", "done") and e.assessment is not None:
            return Spoken(say("explain.help_verdict"), say("explain.help_verdict_reprompt"))
        if e.phase == "consent":
            return Spoken(say("explain.help_consent"), say("verdict.consent_reprompt"))
        if e.phase == "confirm_forget":
            return Spoken(say("explain.help_forget"), say("explain.help_forget_reprompt"))
        return Spoken(f"{say('explain.help_start')} {say('explain.help_example')}", say("invite_reprompt"))

    def see_doctor(self, e: o.Explain) -> Spoken:
        """Whether to see a doctor: the verdict's answer once there is one, else when it will come; then back to
        the question pending."""
        say, a = self.say, e.assessment
        if a is None:
            if e.question is not None:
                then = say("see_doctor.then_question", question=_lower_first(e.question.text))
                return Spoken(f"{say('see_doctor.not_yet')} {then}", e.question.reprompt)
            return Spoken(f"{say('see_doctor.no_report')} {say('invite')}", say("invite_reprompt"))
        if a.triage == "urgent":
            answer = a.red_flags[0].say if a.red_flags else say("see_doctor.not_yet")
        elif a.triage == "doctor":
            answer = say("see_doctor.doctor", sign=a.red_flags[0].say if a.red_flags else "")
        else:
            answer = say("see_doctor.self_care", safety_net=self.kb.safety_net.text)
        if e.phase == "consent":
            return Spoken(f"{answer}\t{say('explain.then_consent')}", say("verdict.consent_reprompt"))
        if e.phase == "verdict":
            return Spoken(f"{answer}\t{say('explain.then_more')}", say("explain.then_more_reprompt"))
        return Spoken(answer, say("invite_reprompt"))

    def why_verdict(self, a: Assessment) -> str:
        if a.leader is None:
            return a.red_flags[0].say if a.red_flags else ""
        kb = self.kb
        cause = kb.causes[a.leader.id]
        reasons = [kb.findings[r.finding].yes if r.present else kb.findings[r.finding].no for r in a.reasons]
        if reasons:
            text = self.say("explain.why_verdict", cause=cause.name, reasons=self.join(reasons))
        else:
            text = self.say("explain.why_verdict_bare", cause=cause.name)
        return f"{text} {cause.why}"

    def prompt(self, p: o.Prompt) -> Spoken:
        say = self.say
        if p.preface == "still_fits":
            if p.topic == "consent":
                reprompt = say("verdict.consent_reprompt")
                return Spoken(f"{say('prompt.still_fits')} {reprompt}", reprompt)
            return Spoken(
                f"{say('prompt.still_fits')} {say('prompt.still_fits_more')}", say("prompt.more_reprompt")
            )
        if p.topic == "confirm_forget":
            return Spoken(say("prompt.confirm_forget"), say("prompt.confirm_forget_reprompt"))
        if p.topic == "no_history_kept":
            return Spoken(f"{say('prompt.no_history_kept')} {say('invite')}", say("invite_reprompt"))
        if p.topic == "more":
            return Spoken(say("prompt.more"), say("prompt.more_reprompt"))
        return Spoken(say("prompt.consent"), say("verdict.consent_reprompt"))

    def recall(self, r: o.Recall) -> Spoken:
        said = self.recalled(r)
        if r.then is None:
            return Spoken(f"{said} {self.say('invite')}", self.say("invite_reprompt"))
        # back to the question pending, rather than to the start
        return Spoken(f"{said}\t{r.then.text}", r.then.reprompt)

    def recalled(self, r: o.Recall) -> str:
        say = self.say
        if not r.reachable:
            return say("recall.unreachable")
        if r.cause is None and r.triage is None:
            return say("recall.nothing_yet" if r.consent is True else "recall.nothing_kept")
        when = say("recall.on_day", date=say_date(self.book, r.day)) if r.day else say("recall.last_time")
        if r.triage == "urgent":
            return say("recall.urgent", when=when)
        if r.cause and r.cause in self.kb.causes:
            key = "recall.cause_and_doctor" if r.triage == "doctor" else "recall.cause"
            return say(key, when=when, cause=self.kb.causes[r.cause].name)
        return say("recall.doctor", when=when)

    def farewell(self, f: o.Farewell) -> Spoken:
        if f.reason == "more_given" and f.more is not None and f.more.leader is not None:
            cause = self.kb.causes[f.more.leader.id]
            tips = " ".join(item.text for item in f.tips)
            more = tips or self.say("farewell.no_more_tips", cause=cause.name, why=cause.why)
            return Spoken(self.say("farewell.tips", tips=more, safety_net=self.kb.safety_net.text))
        return Spoken(self.say(f"farewell.{f.reason}"))


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text
