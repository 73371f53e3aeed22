"""The service's exception tree. Each error knows its wire `type` and HTTP status, so the API has
one handler and one error shape: {"error": {"type", "message", "request_id"}}.

    MemosError
    ├── InvalidRequest        400
    ├── AuthenticationFailed  401
    ├── PermissionDenied      403
    ├── NotFound              404  (also for another tenant's ids: existence never leaks)
    ├── Conflict              409
    ├── PayloadTooLarge       413
    ├── ValidationFailed      422
    ├── RateLimited           429
    └── ServiceUnavailable    503
"""


class MemosError(Exception):
    status_code = 500
    error_type = "internal_error"

    def __init__(self, message: str, *, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.headers = headers or {}


class InvalidRequest(MemosError):
    status_code, error_type = 400, "invalid_request"


class AuthenticationFailed(MemosError):
    status_code, error_type = 401, "authentication_error"


class PermissionDenied(MemosError):
    status_code, error_type = 403, "permission_denied"


class NotFound(MemosError):
    status_code, error_type = 404, "not_found"


class Conflict(MemosError):
    status_code, error_type = 409, "conflict"


class PayloadTooLarge(MemosError):
    status_code, error_type = 413, "payload_too_large"


class ValidationFailed(MemosError):
    status_code, error_type = 422, "validation_error"


class RateLimited(MemosError):
    status_code, error_type = 429, "rate_limited"


class ServiceUnavailable(MemosError):
    status_code, error_type = 503, "service_unavailable"
