"""Server messages in the reader's language: the English reason the server gives for a refusal
(stored with a quarantined event, logged, answered by the API) read back to its message key and
parameters, so that screens, PDFs and sheets show it through the catalogue (core/messages.py).

The stored reason stays what it is (the API answers it, logs and old quarantine entries hold
it); each known wording has a pattern here and a key `reason_*`. A reason made of several parts
("a; b") is translated part by part; a part no pattern knows is shown as it is.
"""

from __future__ import annotations

import re

from core import messages
from core.errors import DomainError, Reason
from core.messages import N_

# (pattern over the English text, key); named groups are the key's parameters
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), k) for p, k in (
    (r"a value looks like a citizen number \(CPR\); send it only as citizen", N_("reason_cpr")),
    (r"a value looks like a citizen number \(CPR\)", N_("reason_cpr")),
    (r"a value looks like an identity number \((?P<kind>[^)]+)\); send a citizen's number only as citizen",
     N_("reason_identity_number")),
    (r"a value looks like an identity number \((?P<kind>[^)]+)\)", N_("reason_identity_number")),
    (r"placement_ended is dated before its placement_started", N_("reason_placement_end_before_start")),
    (r"placement_started is dated after its placement_ended", N_("reason_placement_start_after_end")),
    (r"case already opened: a case is opened once \(a new course is a new case\)", N_("reason_case_already_opened")),
    (r"case already closed: a case is closed once", N_("reason_case_already_closed")),
    (r"placement_id already started in this case \(a new placement needs a new id\)",
     N_("reason_placement_already_started")),
    (r"placement_id already ended in this case", N_("reason_placement_already_ended")),
    (r"retracts: that event is already retracted", N_("reason_already_retracted")),
    (r"retracts: that event belongs to another case", N_("reason_retracts_other_case")),
    (r"retracts: a retraction cannot be retracted; send the event again under a new event_id",
     N_("reason_retract_retraction")),
    (r"conflict: this source already sent this event_id with different content", N_("reason_event_id_conflict")),
    (r"an event must be a JSON object", N_("reason_not_an_object")),
    (r"text must not contain NUL characters \(\\u0000\)", N_("reason_nul")),
    (r"citizen is only allowed on case_opened", N_("reason_citizen_not_on_case_opened")),
    (r"citizen is only allowed at the top level of case_opened", N_("reason_citizen_nested")),
    (r"citizen: a non-empty string is required", N_("reason_citizen_empty")),
    (r"citizen_pseudonym is set by Overblik: send citizen", N_("reason_pseudonym_sent")),
    (r"send citizen or citizen_pseudonym, not both", N_("reason_citizen_and_pseudonym")),
    (r"fields nested deeper than (?P<depth>\d+) levels", N_("reason_nested_too_deep")),
    (r"type: unknown event type \(expected one of [^)]*\)", N_("reason_unknown_type")),
    (r"type: field required", N_("reason_type_missing")),
    (r"(?P<field>[\w.]+): Field required", N_("reason_field_required")),
    (r"(?P<field>[\w.]+): Extra inputs are not permitted", N_("reason_field_extra")),
    (r"(?P<field>[\w.]+): Input should be [^;]*", N_("reason_field_invalid")),
    (r"(?P<field>[\w.]+): Value error, [^;]*", N_("reason_field_invalid")),
    (r"(?P<field>[\w.]+): String should have at most \d+ characters?", N_("reason_field_too_long")),
    (r"no open quarantine entry with this id", N_("reason_not_in_quarantine")),
))


def reason_key(reason: str) -> tuple[str, dict[str, str]] | None:
    """The message key and parameters of one known English reason; None for any other text."""
    for pattern, key in PATTERNS:
        found = pattern.fullmatch(reason.strip())
        if found:
            return key, found.groupdict()
    return None


def reason_text(reason: str | None, lang: str) -> str:
    """A server's reason in `lang`: known wordings translated, part by part, others as they are."""
    if not reason:
        return ""
    whole = reason_key(reason)
    if whole is not None:
        return messages.text(whole[0], lang, **whole[1])
    parts = []
    for part in reason.split("; "):
        found = reason_key(part)
        parts.append(messages.text(found[0], lang, **found[1]).rstrip(".") if found else part)
    return "; ".join(parts)


def error_text(error: BaseException, lang: str) -> str:
    """A refusal in `lang`: a domain error by its own key when it has one, else by its reason.
    A parameter that is itself an error (the cause a refusal wraps) or a Reason is shown in
    `lang` too."""
    if isinstance(error, DomainError) and error.key:
        params = {name: _shown(value, lang) for name, value in error.params.items()}
        return messages.text(error.key, lang, **params)
    return reason_text(str(error), lang)


def _shown(value: object, lang: str) -> object:
    if isinstance(value, BaseException):
        return error_text(value, lang).rstrip(".")
    if isinstance(value, Reason):
        return reason_text(value, lang).rstrip(".")
    return value
