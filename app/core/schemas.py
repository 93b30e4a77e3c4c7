"""Schema bases, error bodies and the error responses routers declare in OpenAPI."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.core.errors import CONCURRENT_CHANGE, DATABASE_BUSY


class ReadSchema(BaseModel):
    """A response body, built from ORM rows or mappings."""

    model_config = ConfigDict(from_attributes=True)


class RequestSchema(BaseModel):
    """A request body: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class ErrorBody(BaseModel):
    detail: str = Field(description="What went wrong, in words a person can act on.")


class FieldError(BaseModel):
    loc: list[str | int] = Field(description="Where the bad value is: body, path or query.")
    msg: str = Field(description="What is wrong with it.")
    type: str = Field(description="A machine-readable error type.")


class ValidationErrorBody(ErrorBody):
    errors: list[FieldError] = Field(description="Every invalid value, one entry each.")


Responses = dict[int | str, dict[str, Any]]


def error_response(
    status_code: int,
    description: str,
    example: str,
    model: type[ErrorBody] = ErrorBody,
    **extra: Any,
) -> Responses:
    """The OpenAPI entry for an error rendered as ``{"detail": ...}``, with an example."""
    return {
        status_code: {
            "model": model,
            "description": description,
            "content": {"application/json": {"example": {"detail": example, **extra}}},
        }
    }


VALIDATION_ERROR_RESPONSE: Responses = {
    422: {
        "model": ValidationErrorBody,
        "description": "The request is malformed or holds an invalid value.",
        "content": {
            "application/json": {
                "example": {
                    "detail": "Invalid request: body.name: String should have at least 1 character",
                    "errors": [
                        {
                            "loc": ["body", "name"],
                            "msg": "String should have at least 1 character",
                            "type": "string_too_short",
                        }
                    ],
                }
            }
        },
    }
}

NOT_JSON_RESPONSE: Responses = error_response(
    415,
    "The body was not sent as JSON.",
    "The request body must be JSON: send it with Content-Type: application/json "
    "(or application/merge-patch+json).",
)


DATABASE_BUSY_RESPONSE: Responses = error_response(
    503,
    "The database stayed busy (SQLite: other writes held it past the busy timeout); nothing "
    "was changed. Retry after the `Retry-After` seconds.",
    DATABASE_BUSY,
)
CONCURRENT_CHANGE_RESPONSE: Responses = error_response(
    409,
    "Another request changed the same records at the same moment; nothing was changed. "
    "Send the request again.",
    CONCURRENT_CHANGE,
)
