// Holds conversations with the served skill through virtual-alexa, one turn at a time, so that the caller can choose
// each answer from what the skill has just asked. Owns only the client side; it must not judge the answers (the
// Python tests do that) nor choose them.
//
// One node process and one virtual-alexa for every conversation: a new person is a new user id and a new session.
// Each utterance is matched as VirtualAlexa.utter() matches it (virtual-core's Utterance over the model's samples,
// slot types and built-in intents), with the plain AMAZON.DURATION and AMAZON.DATE grammars of corpus_driver.js
// (virtual-alexa would fill both with any words) and an AMAZON.SearchQuery that must hold at least one word (virtual-
// alexa lets it match nothing, so "no {words}" would take a plain "no", which Alexa sends as AMAZON.NoIntent), and
// with the words Alexa's built-in intents understand without samples ("yeah", "nope"; virtual-alexa knows only
// "yes", "yes please" and "sure" for AMAZON.YesIntent), given by the caller. The match is handed back before
// anything is sent: the caller writes built-in slot values as Alexa sends them ("twenty minutes" -> PT20M) and
// sends the request with "send".
// utter() itself is not used because its launch check is an unanchored /(ask|open|launch|talk to|tell)/, which
// would turn "tell me more" mid-session into a LaunchRequest.
//
// stdin, one JSON object a line, each answered by one JSON line on stdout:
//   {"op": "start", "url": "http://127.0.0.1:PORT/", "model": "interaction_models/en-US.json", "maxRequests": N,
//    "builtInPhrases": {"AMAZON.YesIntent": ["yeah", ...], ...}}
//                                        -> {"ok": true}
//   {"op": "person"}                     -> {"ok": true, "user": ID}: a new user, no session open
//   {"op": "match", "utterance": "..."}  -> {"intent": NAME or null, "slots": {name: {"value", "type"}}}; null when
//                                           the words fit no sample (Alexa would send AMAZON.FallbackIntent)
//   {"op": "send", "intent": NAME, "slots": {name: value}}
//                                        -> {"requestType", "intent", "slots": {name: {"value", "id"?}}, "ssml",
//                                            "reprompt", "shouldEndSession", "sessionAttributes", "error"?}
// The process exits when stdin closes, and refuses more than maxRequests requests to the skill in all.
"use strict";

const readline = require("readline");
const va = require("virtual-alexa");
const { DATE, isDuration, recordReply, slotsAsSent } = require("./shared");
const core = require("virtual-core");

function grammarType(name, accepts, untyped = false) {
    const type = new core.SlotType(name, []);
    type.isEnumerated = () => true;
    type.match = (value) => {
        const text = String(value).trim().toLowerCase();
        if (!text || !accepts(text)) {
            return new core.SlotMatch(false);
        }
        const match = new core.SlotMatch(true, value);
        // virtual-alexa breaks ties between samples by their typed slots; free text stays untyped, as it was
        match.untyped = untyped;
        return match;
    };
    return type;
}

class Client {
    constructor(url, model, maxRequests, builtInPhrases) {
        this.alexa = va.VirtualAlexa.Builder().skillURL(url).interactionModelFile(model).create();
        this.model = this.alexa.context().interactionModel();
        this.model.slotTypes.addTypes([
            grammarType("AMAZON.DURATION", isDuration),
            grammarType("AMAZON.DATE", (t) => DATE.test(t)),
            grammarType("AMAZON.SearchQuery", () => true, true),
        ]);
        // virtual-alexa's built-in intents know a few words each ("yes", "yes please", "sure"); Alexa knows more
        for (const [intent, phrases] of Object.entries(builtInPhrases || {})) {
            if (this.model.hasIntent(intent)) {
                phrases.forEach((phrase) => this.model.sampleUtterances.addSample(intent, phrase));
            }
        }
        this.maxRequests = maxRequests;
        this.requests = 0;
        this.persons = 0;
        this.sent = null;
        this.alexa.filter((request) => {
            this.sent = request.request;
        });
    }

    person() {
        this.persons += 1;
        this.alexa.context().endSession();
        const user = `amzn1.ask.account.E2E${String(this.persons).padStart(4, "0")}${Date.now()}`;
        this.alexa.context().user().setID(user);
        return { ok: true, user };
    }

    match(utterance) {
        const matched = new core.Utterance(this.model, utterance);
        if (!matched.matched()) {
            return { intent: null, slots: {} };
        }
        const intent = this.model.intentSchema.intent(matched.intent());
        const slots = {};
        for (const [name, value] of Object.entries(matched.toJSON())) {
            const declared = intent && intent.slotForName(name);
            slots[name] = { value, type: declared ? declared.type : null };
        }
        return { intent: matched.intent(), slots };
    }

    async send(intentName, slots) {
        if (this.requests >= this.maxRequests) {
            throw new Error(`more than ${this.maxRequests} requests to the skill`);
        }
        this.requests += 1;
        this.sent = null;
        const turn = {};
        try {
            const reply = await this.alexa.intend(intentName, slots || {});
            recordReply(turn, reply);
        } catch (error) {
            turn.error = String((error && error.message) || error);
        }
        turn.requestType = this.sent ? this.sent.type : null;
        turn.intent = this.sent && this.sent.intent ? this.sent.intent.name : null;
        turn.slots = this.sent && this.sent.intent ? slotsAsSent(this.sent.intent) : {};
        return turn;
    }
}

async function main() {
    const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
    let client = null;
    for await (const line of lines) {
        if (!line.trim()) {
            continue;
        }
        const command = JSON.parse(line);
        let answer;
        if (command.op === "start") {
            client = new Client(command.url, command.model, command.maxRequests || 1000, command.builtInPhrases);
            answer = { ok: true };
        } else if (client === null) {
            throw new Error(`"${command.op}" before "start"`);
        } else if (command.op === "person") {
            answer = client.person();
        } else if (command.op === "match") {
            answer = client.match(command.utterance);
        } else if (command.op === "send") {
            answer = await client.send(command.intent, command.slots);
        } else {
            throw new Error(`unknown op ${JSON.stringify(command.op)}`);
        }
        process.stdout.write(JSON.stringify(answer) + "\n");
    }
}

main().catch((error) => {
    process.stderr.write(String((error && error.stack) || error) + "\n");
    process.exit(1);
});
