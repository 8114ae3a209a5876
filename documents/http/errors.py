"""Domain errors → HTTP status codes and answers: the one mapping the API and the pages share."""

from __future__ import annotations

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from axis.errors import AxisError
from documents.domain import errors
from signing.errors import ServiceError, SigningError

#: Most specific first: the first matching class decides the status.
HTTP_STATUS: tuple[tuple[type[Exception], int], ...] = (
    (errors.NotAuthenticated, 401),
    (errors.Forbidden, 403),
    (errors.NotFound, 404),
    (errors.InvalidTransition, 409),
    (errors.Conflict, 409),
    (errors.InvalidInput, 422),
    (errors.TooLarge, 413),
    (errors.TooManyRequests, 429),
    (errors.ConfigurationError, 503),
    (errors.StorageUnavailable, 503),
    (errors.RegisterError, 400),
    (ServiceError, 503),  # a TSA, OCSP or CRL service down, slow or answering an error
    (SigningError, 422),
    (AxisError, 502),
)


def status_of(exc: Exception) -> int:
    return next(code for kind, code in HTTP_STATUS if isinstance(exc, kind))


async def domain_error(request: Request, exc: Exception) -> JSONResponse:
    status = status_of(exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if isinstance(exc, errors.TooManyRequests) and exc.retry_after:
        headers = {"Retry-After": str(exc.retry_after)}
    return JSONResponse({"detail": str(exc)}, status_code=status, headers=headers)


async def bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
    """One clear sentence for the first problem, the full list after it."""
    problems = exc.errors()
    first = problems[0] if problems else {"loc": (), "msg": "invalid request"}
    where = ".".join(str(p) for p in first["loc"] if p != "body") or "request"
    return JSONResponse({"detail": f"{where}: {first['msg']}",
                         "problems": [{"loc": list(p["loc"]), "msg": p["msg"]}
                                      for p in problems]}, status_code=422)


async def out_of_range(request: Request, exc: OverflowError) -> JSONResponse:
    """A number the database cannot hold (an id of 30 digits): no such thing can exist."""
    return JSONResponse({"detail": "a number in the request is out of range"},
                        status_code=422)


class ErrorBody(BaseModel):
    """Every refusal: one sentence saying what is wrong."""

    detail: str


class Problem(BaseModel):
    loc: list[str | int]
    msg: str


class InvalidBody(ErrorBody):
    """A request that does not match its schema: the first problem, then all of them."""

    problems: list[Problem] = []


#: the refusals every API route may answer, documented in the OpenAPI schema
ERROR_RESPONSES: dict[int | str, dict] = {
    400: {"model": ErrorBody, "description": "Malformed request"},
    401: {"model": ErrorBody, "description": "No valid credentials (log in first)"},
    403: {"model": ErrorBody, "description": "The role may not do this"},
    404: {"model": ErrorBody, "description": "No such document, user or file"},
    409: {"model": ErrorBody, "description": "Not possible in the current state"},
    413: {"model": ErrorBody, "description": "Body larger than the hub accepts"},
    422: {"model": InvalidBody, "description": "Invalid input"},
    429: {"model": ErrorBody, "description": "Too many attempts; see Retry-After"},
    502: {"model": ErrorBody, "description": "The axis refused or failed"},
    503: {"model": ErrorBody, "description": "The hub is not configured for this"},
}
