// Plays a list of utterances through virtual-alexa with the project's interaction model and prints what it sent for
// each one. Owns only the client side; it must not judge the requests (tests/corpus/measure.py does that).
//
// A tiny echo server on a free loopback port stands in for the skill: only the request matters here, and the whole
// list goes through one virtual-alexa in one process, so hundreds of utterances take a second or two.
//
// Each utterance is matched exactly as VirtualAlexa.utter() matches it (virtual-core's Utterance over the model's
// samples, slot types and built-in intents) and sent with VirtualAlexa.intend(), so entity resolution is virtual-
// alexa's own. utter() itself is not used because its launch check is an unanchored /(ask|open|launch|talk to|tell)/:
// "basketball", "tell me more" or "why are you asking" would be sent as a LaunchRequest, which no Alexa does
// mid-session.
//
// virtual-alexa has no grammar for AMAZON.DURATION or AMAZON.DATE: it fills them with any words, even none, so its
// catch-all `{duration}` sample or "it was {duration}" would take "it was" or "it was so humid" from the samples that
// fit them. The driver gives both types a plain grammar of the words Alexa's built-in types take (numbers, units,
// "about", "yesterday", "last week", "three days ago"), so a sample with such a slot matches only what Alexa would
// put in it. AMAZON.NUMBER keeps virtual-alexa's own grammar.
//
// stdin:  {"model": "interaction_models/en-US.json", "utterances": ["my calves are twitching", ...]}
// stdout: {"requests": [{"utterance", "intent", "slots": {name: {"value", "id"?}}, "error"?}, ...]}; an utterance
//         that fits no sample is sent as AMAZON.FallbackIntent, as Alexa does (virtual-alexa has no fallback model)
"use strict";

const http = require("http");
const va = require("virtual-alexa");
const { DATE, isDuration, readStdin, slotsAsSent } = require("./shared");
const core = require("virtual-core");

function echoServer() {
    const body = JSON.stringify({ version: "1.0", response: { shouldEndSession: false } });
    const server = http.createServer((request, response) => {
        request.resume();
        request.on("end", () => {
            response.writeHead(200, { "Content-Type": "application/json" });
            response.end(body);
        });
    });
    return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

function grammarType(name, accepts) {
    const type = new core.SlotType(name, []);
    type.isEnumerated = () => true;
    type.match = (value) => {
        const text = String(value).trim().toLowerCase();
        return text && accepts(text) ? new core.SlotMatch(true, value) : new core.SlotMatch(false);
    };
    return type;
}

async function main() {
    const script = JSON.parse(await readStdin());
    const server = await echoServer();
    const url = `http://127.0.0.1:${server.address().port}/`;
    const alexa = va.VirtualAlexa.Builder().skillURL(url).interactionModelFile(script.model).create();
    alexa
        .context()
        .interactionModel()
        .slotTypes.addTypes([grammarType("AMAZON.DURATION", isDuration), grammarType("AMAZON.DATE", (t) => DATE.test(t))]);
    let sent = null;
    alexa.filter((request) => {
        sent = request.request;
    });
    const requests = [];
    try {
        for (const utterance of script.utterances) {
            sent = null;
            const entry = { utterance };
            try {
                const matched = new core.Utterance(alexa.context().interactionModel(), utterance);
                // virtual-alexa has no fallback model; Alexa sends AMAZON.FallbackIntent for what fits no sample
                await (matched.matched()
                    ? alexa.intend(matched.intent(), matched.toJSON())
                    : alexa.intend("AMAZON.FallbackIntent"));
            } catch (error) {
                entry.error = String((error && error.message) || error);
            }
            entry.intent = sent && sent.intent ? sent.intent.name : null;
            entry.slots = sent && sent.intent ? slotsAsSent(sent.intent) : {};
            requests.push(entry);
        }
    } finally {
        server.close();
    }
    process.stdout.write(JSON.stringify({ requests }) + "\n");
}

main().catch((error) => {
    process.stderr.write(String((error && error.stack) || error) + "\n");
    process.exit(1);
});
