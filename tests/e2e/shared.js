// What the e2e drivers share, judging nothing: reading the script on stdin, recording a reply, what a
// virtual-alexa request's slots carry as the Python tests read them (each value, and its entity-resolution id when
// Alexa matched one), and the words Alexa puts in AMAZON.DURATION and AMAZON.DATE, which virtual-alexa would
// otherwise fill with anything.
"use strict";

function slotsAsSent(intent) {
    const slots = {};
    for (const [name, slot] of Object.entries((intent && intent.slots) || {})) {
        if (slot.value === undefined || slot.value === null) {
            continue;
        }
        const entry = { value: slot.value };
        const authorities = (slot.resolutions && slot.resolutions.resolutionsPerAuthority) || [];
        const matched = authorities.find((a) => a.status && a.status.code === "ER_SUCCESS_MATCH");
        if (matched && matched.values && matched.values.length) {
            entry.id = matched.values[0].value.id;
        }
        slots[name] = entry;
    }
    return slots;
}

const NUMBER_WORDS = (
    "a an one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen " +
    "seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand couple " +
    "few several half and of"
).split(" ");
const DURATION_UNITS = (
    "second seconds sec secs minute minutes min mins hour hours hr hrs day days week weeks fortnight fortnights " +
    "month months year years"
).split(" ");
const APPROXIMATELY = (
    "about around roughly nearly almost approximately like over under just only maybe probably more less than at " +
    "least good little bit"
).split(" ");
const DATE = new RegExp(
    "^(on )?(today|tonight|yesterday|tomorrow|earlier today|the day before yesterday|" +
        "(this|yesterday|last) (morning|afternoon|evening|night)|" +
        "(this|last) (week|weekend|month|year)|the weekend|" +
        "((last|this past) )?(monday|tuesday|wednesday|thursday|friday|saturday|sunday)|" +
        "([a-z]+ )+(days?|weeks?|fortnights?|months?|years?) ago)$",
);

function isDuration(value) {
    const words = value.split(/\s+/).filter((w) => w.length > 0);
    return (
        words.some((w) => DURATION_UNITS.includes(w)) &&
        words.some((w) => /^\d+$/.test(w) || NUMBER_WORDS.includes(w)) &&
        words.every((w) => /^\d+$/.test(w) || [...NUMBER_WORDS, ...DURATION_UNITS, ...APPROXIMATELY].includes(w))
    );
}

function readStdin() {
    return new Promise((resolve, reject) => {
        const chunks = [];
        process.stdin.on("data", (chunk) => chunks.push(chunk));
        process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
        process.stdin.on("error", reject);
    });
}

// What the skill answered, as a transcript turn records it.
function recordReply(turn, reply) {
    const response = (reply && reply.response) || {};
    turn.ssml = (response.outputSpeech && response.outputSpeech.ssml) || null;
    turn.reprompt =
        (response.reprompt && response.reprompt.outputSpeech && response.reprompt.outputSpeech.ssml) || null;
    turn.shouldEndSession = response.shouldEndSession === undefined ? null : response.shouldEndSession;
    turn.sessionAttributes = (reply && reply.sessionAttributes) || {};
}

module.exports = { DATE, isDuration, readStdin, recordReply, slotsAsSent };
