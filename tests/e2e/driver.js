// Drives the served skill through virtual-alexa: reads a JSON script on stdin and prints what each turn sent and got.
// Owns only the client side of the conversation; it must not judge the answers (the Python tests do that).
//
// stdin:  {"url": "http://127.0.0.1:PORT/", "model": "interaction_models/en-US.json", "locale": "en-US",
//          "conversations": [["open muscle coach", "my calves are twitching", "no", ...], ...]}
//         ("locale" is optional, en-US by default: the locale every request carries, as a device set to it sends)
// stdout: {"conversations": [{"turns": [{"utterance", "requestType", "locale", "intent", "slots", "ssml",
//          "reprompt", "shouldEndSession", "sessionAttributes", "error"}, ...]}, ...]}
"use strict";

const va = require("virtual-alexa");
const { readStdin, recordReply, slotsAsSent } = require("./shared");

const LAUNCH_PHRASE = "open muscle coach";

async function runConversation(url, model, locale, utterances) {
    const alexa = va.VirtualAlexa.Builder().skillURL(url).interactionModelFile(model).locale(locale).create();
    const turns = [];
    let sent = null;
    alexa.filter((request) => {
        sent = request.request;
    });
    for (const [index, utterance] of utterances.entries()) {
        sent = null;
        const turn = { utterance };
        try {
            const reply =
                index === 0 && utterance.toLowerCase() === LAUNCH_PHRASE
                    ? await alexa.launch()
                    : await alexa.utter(utterance);
            recordReply(turn, reply);
        } catch (error) {
            turn.error = String((error && error.message) || error);
        }
        turn.requestType = sent ? sent.type : null;
        turn.locale = sent ? sent.locale : null;
        turn.intent = sent && sent.intent ? sent.intent.name : null;
        turn.slots = sent && sent.intent ? slotsAsSent(sent.intent) : {};
        turns.push(turn);
        if (turn.error !== undefined || turn.shouldEndSession === true) {
            break;
        }
    }
    return { turns };
}

async function main() {
    const script = JSON.parse(await readStdin());
    const conversations = [];
    for (const utterances of script.conversations) {
        conversations.push(await runConversation(script.url, script.model, script.locale || "en-US", utterances));
    }
    process.stdout.write(JSON.stringify({ conversations }) + "\n");
}

main().catch((error) => {
    process.stderr.write(String((error && error.stack) || error) + "\n");
    process.exit(1);
});
