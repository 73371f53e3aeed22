"""Every error the SDK raises:

    MemosError
    ├── APIConnectionError          the server could not be reached
    │   └── APITimeoutError
    └── APIStatusError              the server answered with an error (status_code, type, request_id)
        ├── BadRequestError           400
        ├── AuthenticationError       401
        ├── PermissionDeniedError     403
        ├── NotFoundError             404
        ├── ConflictError             409
        ├── PayloadTooLargeError      413
        ├── UnprocessableEntityError  422
        ├── RateLimitError            429
        └── InternalServerError       5xx
"""

import httpx


class MemosError(Exception):
    pass


class APIConnectionError(MemosError):
    def __init__(self, message: str = "could not connect to the memos service", *, request: httpx.Request | None = None):
        super().__init__(message)
        self.request = request


class APITimeoutError(APIConnectionError):
    def __init__(self, *, request: httpx.Request | None = None):
        super().__init__("the request to the memos service timed out", request=request)


class APIStatusError(MemosError):
    status_code: int

    def __init__(self, message: str, *, response: httpx.Response, error_type: str | None, request_id: str | None):
        super().__init__(f"{message} (status {response.status_code}, request_id {request_id})")
        self.message = message
        self.response = response
        self.status_code = response.status_code
        self.type = error_type
        self.request_id = request_id


class BadRequestError(APIStatusError):
    pass


class AuthenticationError(APIStatusError):
    pass


class PermissionDeniedError(APIStatusError):
    pass


class NotFoundError(APIStatusError):
    pass


class ConflictError(APIStatusError):
    pass


class PayloadTooLargeError(APIStatusError):
    pass


class UnprocessableEntityError(APIStatusError):
    pass


class RateLimitError(APIStatusError):
    pass


class InternalServerError(APIStatusError):
    pass


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError, 401: AuthenticationError, 403: PermissionDeniedError, 404: NotFoundError,
    409: ConflictError, 413: PayloadTooLargeError, 422: UnprocessableEntityError, 429: RateLimitError,
}


def error_for(response: httpx.Response) -> APIStatusError:
    try:
        error = response.json()["error"]
        message, error_type, request_id = error["message"], error.get("type"), error.get("request_id")
    except (ValueError, KeyError, TypeError):
        message, error_type = response.text[:500] or response.reason_phrase, None
        request_id = None
    request_id = request_id or response.headers.get("x-request-id")
    cls = _BY_STATUS.get(response.status_code, InternalServerError if response.status_code >= 500 else APIStatusError)
    return cls(message, response=response, error_type=error_type, request_id=request_id)
