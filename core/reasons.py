"""Server messages in the reader's language: a refusal by the message key it was raised with
(`error_text`), or an English reason that travels as text (stored with a quarantined event,
answered in an ingest summary) read back to its key and parameters (`reason_text`), so that
screens, PDFs and sheets show it through the catalogue (core/messages.py).

The stored reason stays what it is (the API answers it, logs and old quarantine entries hold
it). A reason made of several parts ("a; b") is translated part by part; a part no pattern
knows is shown as it is.
"""

from __future__ import annotations

import re

from core import messages
from core.errors import DomainError, Reason

# The English wordings of refusals that reach a screen as text, not as an error with a key:
# events refused on the way in (answered in an ingest summary, stored with a quarantined event,
# also by earlier releases) and the rows a mapping refuses. One wording a line: its key, then
# its pattern over the whole text; named groups are the key's parameters. A `problem` group is
# itself a reason (translated in turn; a wording whose problem no pattern reads gives way to
# the next), an `event_type` group is shown by the event's label. Sources' run errors (a feed's,
# a drop folder's) are kept as text with the source and read back here too.
WORDINGS = r"""
reason_cpr                         a value looks like a citizen number \(CPR\)(?:; send it only as citizen)?
reason_identity_number             a value looks like an identity number \((?P<kind>[^)]+)\)(?:; send a citizen's number only as citizen)?
reason_placement_end_before_start  placement_ended is dated before its placement_started
reason_placement_start_after_end   placement_started is dated after its placement_ended
reason_case_already_opened         case already opened: a case is opened once \(a new course is a new case\)
reason_case_already_closed         case already closed: a case is closed once
reason_placement_already_started   placement_id already started in this case \(a new placement needs a new id\)
reason_placement_already_ended     placement_id already ended in this case
reason_already_retracted           retracts: that event is already retracted
reason_retracts_other_case         retracts: that event belongs to another case
reason_retract_retraction          retracts: a retraction cannot be retracted; send the event again under a new event_id
reason_event_id_conflict           conflict: this source already sent this event_id with different content
reason_not_an_object               an event must be a JSON object
reason_nul                         text must not contain NUL characters(?: \(\\u0000\))?
reason_citizen_not_on_case_opened  citizen is only allowed on case_opened
reason_citizen_nested              citizen is only allowed at the top level of case_opened
reason_citizen_empty               citizen: a non-empty string is required
reason_pseudonym_sent              citizen_pseudonym is set by Overblik: send citizen
reason_citizen_and_pseudonym       send citizen or citizen_pseudonym, not both
reason_nested_too_deep             fields nested deeper than (?P<depth>\d+) levels
reason_unknown_type                type: unknown event type \(expected one of [^)]*\)
reason_type_missing                type: field required
reason_field_required              (?P<field>[\w.]+): Field required
reason_field_extra                 (?P<field>[\w.]+): Extra inputs are not permitted
reason_field_invalid_because       (?P<field>[\w.]+): Value error, (?P<problem>.+)
reason_field_invalid               (?P<field>[\w.]+): (?:Input should be|Value error,) [^;]*
reason_field_too_long              (?P<field>[\w.]+): String should have at most \d+ characters?
reason_mapped_rule                 events\[\d+\] \((?P<event_type>\w+)\): (?P<problem>.+)
reason_mapped_case_id_empty        column (?P<column>.+) \(the case id\) is empty
error_row_date_empty               column (?P<column>.+) \(the date\) is empty
error_row_export_date_empty        column (?P<column>.+) \(the export's date\) is empty
error_row_field_empty              column (?P<column>.+) \((?P<field>\w+)\) is empty
error_row_code                     column (?P<column>.+) \((?P<field>\w+)\) holds a code not in the code list (?P<codes>.+)
error_row_field                    column (?P<column>.+?) \((?P<field>\w+)\): (?P<problem>.+)
error_row_column                   column (?P<column>[^:]+): (?P<problem>.+)
error_row_date                     not a date in the format (?P<formats>.+)
error_host_not_public              the host (?P<host>\S+) is (?:an? [\w-]+ address|not a public address); feeds reach public addresses only \(.+\)
error_host_unresolved              the host (?P<host>\S+) cannot be resolved
error_feed_http_401                the feed answered HTTP (?P<status>401)\b.*
error_feed_http_403                the feed answered HTTP (?P<status>403)\b.*
error_feed_http_404                the feed answered HTTP (?P<status>404)\b.*
error_feed_http                    the feed answered HTTP (?P<status>\d{3})\b.*
error_feed_gave_up_http            gave up after (?P<attempts>\d+) attempts at (?P<url>\S+): HTTP (?P<status>\d{3})
error_feed_gave_up                 gave up after (?P<attempts>\d+) attempts at (?P<url>\S+): (?P<problem>.+)
error_feed_stopped                 stopped while waiting to retry
error_feed_not_json                the feed at (?P<url>\S+) did not answer JSON
error_feed_encoding                the feed at (?P<url>\S+) answered in an encoding this server does not read \((?P<encoding>[^)]*)\)
error_feed_broken_body             the feed at (?P<url>\S+) answered a broken (?P<encoding>\S+) body
error_feed_page_size               a page of the feed at (?P<url>\S+) is larger than (?P<most>\d+) bytes \(unpacked\); nothing of it was stored
error_feed_page_form               a feed page must be a JSON object with "events" and "next_cursor" or "next"
error_feed_events_list             "events" of a feed page must be a list
error_feed_address                 refused before connecting: (?P<problem>.+)
error_drop_no_folder               the folder (?P<folder>.+) does not exist
error_drop_mapping                 cannot use the mapping (?P<detail>.+)
error_drop_unreadable              could not read (?P<files>.+)
number_reason_not_a_number         the value is not a number \(\w+\)
number_reason_bad_grouping         the value has its separators in a form the language does not use \(\w+\)
number_reason_too_long             the value is longer than (?P<chars>\d+) characters \(\w+\)
"""
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), key) for key, pattern in (line.split(None, 1) for line in WORDINGS.strip().splitlines())
)


def reason_key(reason: str) -> tuple[str, dict[str, str]] | None:
    """The message key and parameters of one known English reason; None for any other text."""
    for pattern, key in PATTERNS:
        found = pattern.fullmatch(reason.strip())
        if found and ("problem" not in pattern.groupindex or _readable(found["problem"])):
            return key, found.groupdict()
    return None


def _readable(reason: str) -> bool:
    return reason_key(reason) is not None or all(reason_key(part) for part in reason.split("; "))


def _read_back(key: str, params: dict[str, str], lang: str) -> str:
    shown: dict[str, object] = dict(params)
    if "problem" in params:
        shown["problem"] = reason_text(params["problem"], lang).rstrip(".")
    if "event_type" in params and messages.has(f"event_{params['event_type']}", lang):
        shown["event_type"] = messages.t(f"event_{params['event_type']}", lang)
    return messages.text(key, lang, **shown)


def reason_text(reason: str | None, lang: str) -> str:
    """A server's reason in `lang`: known wordings translated, part by part, others as they are."""
    if not reason:
        return ""
    whole = reason_key(reason)
    if whole is not None:
        return _read_back(*whole, lang)
    parts = []
    for part in reason.split("; "):
        found = reason_key(part)
        parts.append(_read_back(*found, lang).rstrip(".") if found else part)
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
