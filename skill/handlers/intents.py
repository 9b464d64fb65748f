"""Intent and slot names the handlers understand: the one place these strings live."""

from __future__ import annotations

__all__ = [
    "ANSWER",
    "BUILT_IN_INTENTS",
    "CANCEL",
    "CUSTOM_INTENTS",
    "DENY",
    "DONT_KNOW",
    "FALLBACK",
    "FORGET_HISTORY",
    "GO_BACK",
    "HANDLED_INTENTS",
    "HELP",
    "INTENT_NEGATES",
    "INTENT_REPLIES",
    "LAST_TIME",
    "MORE_ADVICE",
    "NAVIGATE_HOME",
    "NO",
    "NO_WITH_DETAILS",
    "REPEAT",
    "REPORT",
    "SEE_DOCTOR",
    "SLOT_TYPES",
    "START_OVER",
    "STOP",
    "WHY_QUESTION",
    "WHY_VERDICT",
    "YES",
    "YES_WITH_DETAILS",
]

REPORT = "ReportTwitchIntent"
ANSWER = "AnswerIntent"
YES_WITH_DETAILS = "YesWithDetailsIntent"  # "yes, my arms are weak": a yes, and the rest as free text
NO_WITH_DETAILS = "NoWithDetailsIntent"  # "no, but my chest feels tight": a no, and then something else said
DENY = "DenyIntent"  # "no chest pain", "not short of breath": a no that names what is denied
DONT_KNOW = "DontKnowIntent"
WHY_VERDICT = "WhyVerdictIntent"
WHY_QUESTION = "WhyQuestionIntent"
MORE_ADVICE = "MoreAdviceIntent"
SEE_DOCTOR = "SeeDoctorIntent"  # "should I see a doctor?", "do I need A and E?": answered from the verdict
FORGET_HISTORY = "ForgetHistoryIntent"
LAST_TIME = "LastTimeIntent"
GO_BACK = "GoBackIntent"

HELP = "AMAZON.HelpIntent"
STOP = "AMAZON.StopIntent"
CANCEL = "AMAZON.CancelIntent"
FALLBACK = "AMAZON.FallbackIntent"
REPEAT = "AMAZON.RepeatIntent"
START_OVER = "AMAZON.StartOverIntent"
YES = "AMAZON.YesIntent"
NO = "AMAZON.NoIntent"
NAVIGATE_HOME = "AMAZON.NavigateHomeIntent"

CUSTOM_INTENTS = frozenset(
    {
        REPORT,
        ANSWER,
        YES_WITH_DETAILS,
        NO_WITH_DETAILS,
        DENY,
        DONT_KNOW,
        WHY_VERDICT,
        WHY_QUESTION,
        MORE_ADVICE,
        SEE_DOCTOR,
        FORGET_HISTORY,
        LAST_TIME,
        GO_BACK,
    }
)
# Intents whose name is itself the yes or no, which the dialogue reads like the `reply` slot.
INTENT_REPLIES = {YES_WITH_DETAILS: "yes", NO_WITH_DETAILS: "no", DENY: "no"}
# Intents whose carrier word negates what follows it: the words are read with it put back ("no chest pain").
INTENT_NEGATES = {DENY: "no"}
BUILT_IN_INTENTS = frozenset({HELP, STOP, CANCEL, FALLBACK, REPEAT, START_OVER, YES, NO, NAVIGATE_HOME})
HANDLED_INTENTS = CUSTOM_INTENTS | BUILT_IN_INTENTS

# Slot name -> the custom slot type whose ids the dialogue layer maps to knowledge-base ids.
SLOT_TYPES = {
    "muscle": "MuscleType",
    "workout": "WorkoutType",
    "condition": "ConditionType",
    "hydration": "HydrationType",
    "fuel": "FuelType",
    "caffeine": "CaffeineType",
    "warmup": "WarmupType",
    "amount": "AmountType",
    "symptom": "SymptomType",
    "symptom_two": "SymptomType",
    "reply": "ReplyType",
}
