"""Idempotency-Key support. The key is claimed in the request's own transaction and the response
stored in it, so a replay returns the first answer and a crash leaves no half-claimed key."""

import hashlib
import re
from dataclasses import dataclass
from typing import IO, Any

from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from memos_service.db.models import IdempotentRequest
from memos_service.errors import Conflict, InvalidRequest

_VALID_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")


@dataclass(frozen=True)
class Idempotency:
    scope: str
    key: str | None
    fingerprint: str

    @classmethod
    def from_request(cls, scope: str, key: str | None, method: str, path: str, query: str,
                     body: IO[bytes]) -> "Idempotency":
        """`body` is read through and rewound for the route."""
        if key is not None and not _VALID_KEY.match(key):
            raise InvalidRequest("Idempotency-Key must be 1-200 printable ASCII characters")
        digest = hashlib.sha256(b"\n".join([method.encode(), path.encode(), query.encode(), b""]))
        while chunk := body.read(1024 * 1024):
            digest.update(chunk)
        body.seek(0)
        return cls(scope, key, digest.hexdigest())

    def replay(self, session: Session) -> Response | None:
        """Claims the key, or answers with the response it already has."""
        if self.key is None:
            return None
        claim = (
            insert(IdempotentRequest)
            .values(scope=self.scope, key=self.key, fingerprint=self.fingerprint)
            .on_conflict_do_nothing()
            .returning(IdempotentRequest.key)
        )
        # A concurrent holder of the same key makes this wait until it commits or rolls back.
        if session.execute(claim).first() is not None:
            return None
        first = session.scalar(
            select(IdempotentRequest).where(IdempotentRequest.scope == self.scope, IdempotentRequest.key == self.key)
        )
        if first is None or first.response is None:
            raise Conflict("a request with this Idempotency-Key is still in progress; retry shortly")
        if first.fingerprint != self.fingerprint:
            raise Conflict("this Idempotency-Key was used for a different request")
        return JSONResponse(first.response, status_code=first.status_code or 200, headers={"Idempotent-Replayed": "true"})

    def respond(self, session: Session, status_code: int, body: BaseModel | Any) -> Response:
        content = jsonable_encoder(body)
        if self.key is not None:
            row = session.get(IdempotentRequest, (self.scope, self.key))
            assert row is not None, "respond() without a claim from replay()"
            row.status_code, row.response = status_code, content
            session.flush()
        return JSONResponse(content, status_code=status_code)
