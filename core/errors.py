"""The domain's refusals: one base class, and one kind per refusal that says what went wrong
in words every adapter understands. The API answers each kind with its HTTP status and the
refusal's own text (`api/errors.py`); the dashboard shows it in the user's language by its
message key (`core/reasons.py`), the command line shows the text.

A domain error keeps the builtin base it always had (`ValueError` for invalid input,
`LookupError` for something that does not exist), so a caller that catches those still does.
A class names its kind with `kind = "..."`; an instance may set its own (a body that is not
JSON is `malformed`, one that is JSON but not events `invalid`)."""

from __future__ import annotations

from typing import ClassVar

# the kinds, and the HTTP status the API answers each with
STATUS: dict[str, int] = {
    "malformed": 400,    # the request cannot be read at all (not JSON, not UTF-8)
    "forbidden": 403,    # the caller may not see or do this
    "not_found": 404,    # the thing named does not exist
    "conflict": 409,     # the thing exists, or is busy, or is already done
    "too_large": 413,    # more than a limit allows
    "invalid": 422,      # readable, but not valid
    "unavailable": 503,  # a service this needs cannot be reached; trying again may succeed
}


class DomainError(Exception):
    """A refusal of the domain; `str(error)` is its reason, readable by the user."""

    kind: ClassVar[str] = "invalid"
    # the message key (core/messages.py) and its parameters the dashboard shows the refusal by;
    # without one, core/reasons.py reads the key back from the English reason
    key: str | None = None
    params: dict[str, object]

    def __init__(self, *args: object, key: str | None = None, **params: object):
        super().__init__(*args)
        if key is not None:
            self.key = key
        self.params = params

    def __str__(self) -> str:
        # the reason as given, also for one that is a KeyError too (whose text is a quoted repr)
        return str(self.args[0]) if len(self.args) == 1 else super().__str__()

    @property
    def status(self) -> int:
        return STATUS[self.kind]


class Invalid(DomainError, ValueError):
    kind = "invalid"


class Malformed(DomainError, ValueError):
    kind = "malformed"


class NotFound(DomainError, LookupError):
    kind = "not_found"

class Conflict(DomainError):
    kind = "conflict"


class Forbidden(DomainError):
    kind = "forbidden"


class TooLarge(DomainError, ValueError):
    kind = "too_large"


class Unavailable(DomainError):
    kind = "unavailable"


class Reason(str):
    """An English reason given as a refusal's parameter (pydantic's words about a field, a
    cause's text): core/reasons.py shows it in the reader's language, part by part."""


def status_of(error: BaseException) -> int | None:
    """The HTTP status of a domain error, None for anything else."""
    if isinstance(error, DomainError):
        return STATUS.get(getattr(error, "kind", "invalid"), 422)
    return None
