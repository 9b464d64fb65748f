// What a virtual-alexa request's slots carry, as the Python tests read them: each filled slot's value, and its
// entity-resolution id when Alexa matched one. Shared by the e2e drivers; judges nothing.
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

module.exports = { slotsAsSent };
