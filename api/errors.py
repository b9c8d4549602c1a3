"""The domain's refusals answered as HTTP errors, once for every route: a service raises, the
app answers with the status below and the refusal's own reason."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from core import identity
from core.programmes import ProcessModelError
from metrics.calendar import MonthError
from metrics.closing import ClosingError
from metrics.norms import NormError
from metrics.programme_service import UnknownProgramme
from metrics.reference import ReferenceError
from metrics.targets import TargetError

REFUSALS: dict[type[Exception], int] = {
    MonthError: 422,
    TargetError: 422,
    NormError: 422,
    ProcessModelError: 422,
    ReferenceError: 422,
    ClosingError: 409,
    UnknownProgramme: 404,
}


def install_error_handlers(app: FastAPI) -> None:
    async def refused(_request: Request, exc: Exception) -> JSONResponse:
        status = next(REFUSALS[kind] for kind in type(exc).__mro__ if kind in REFUSALS)
        return JSONResponse({"detail": str(exc)}, status_code=status)

    for kind in REFUSALS:
        app.add_exception_handler(kind, refused)

    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's answer, except that an identity number in the input it echoes is masked
        return JSONResponse({"detail": identity.mask_in(jsonable_encoder(exc.errors()))}, status_code=422)

    app.add_exception_handler(RequestValidationError, invalid)
