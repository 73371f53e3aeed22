"""One JSON question to an OpenAI-compatible endpoint, answered in a pydantic-checked shape.

Everything that can go wrong with a model (HTTP errors, timeouts, prose instead of JSON, JSON
cut off by the token limit, answers that break the rules) becomes an `LLMError`. It is retried
within the configured budget and then reported to the caller, which falls back to a heuristic.
"""

import json
import re
import time
from collections.abc import Callable
from typing import TypeVar

import openai
from pydantic import BaseModel, ValidationError
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, stop_after_delay, wait_exponential

from memos_service.config import Settings

T = TypeVar("T", bound=BaseModel)
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")


class LLMError(Exception):
    """The model's answer could not be used; the message says why, for the operations log."""


class LLMClient:
    def __init__(self, settings: Settings):
        if not settings.llm_base_url:
            raise ValueError("MEMOS_LLM_BASE_URL is not set")
        self.model = settings.llm_model
        # Retries are ours (below), so one budget covers HTTP failures and unusable answers alike.
        self._client = openai.OpenAI(base_url=settings.llm_base_url, api_key=settings.llm_api_key or "not-needed",
                                     timeout=settings.llm_timeout_seconds, max_retries=0)
        self._attempts = settings.llm_max_attempts
        self._budget = settings.llm_budget_seconds

    def ask(self, system: str, prompt: str, shape: type[T], check: Callable[[T], None] | None = None) -> T:
        retrying = Retrying(stop=stop_after_attempt(self._attempts) | stop_after_delay(self._budget),
                            wait=wait_exponential(multiplier=0.2, max=2), retry=retry_if_exception_type(LLMError),
                            reraise=True)
        for attempt in retrying:
            with attempt:
                answer = self._parse(self._complete(system, prompt), shape)
                if check is not None:
                    check(answer)
                return answer
        raise AssertionError("unreachable: tenacity reraises the last error")

    def _complete(self, system: str, prompt: str) -> str:
        try:
            response = self._client.chat.completions.create(
                model=self.model, temperature=0, response_format={"type": "json_object"},
                messages=[{"role": "system", "content": system}, {"role": "user", "content": prompt}],
            )
        except openai.APIError as error:
            raise LLMError(f"{type(error).__name__}: {error}") from error
        if not response.choices:
            raise LLMError("the response has no choices")
        choice = response.choices[0]
        if choice.finish_reason == "length":
            raise LLMError("the answer was cut off at the token limit")
        return choice.message.content or ""

    @staticmethod
    def _parse(text: str, shape: type[T]) -> T:
        text = _FENCE.sub("", text.strip())
        try:
            return shape.model_validate(json.loads(text))
        except json.JSONDecodeError as error:
            raise LLMError(f"the answer is not JSON: {error.msg} at {error.pos}: {text[:120]!r}") from error
        except ValidationError as error:
            raise LLMError(f"the answer has the wrong shape: {error.errors()[0]['msg']} at "
                           f"{'.'.join(map(str, error.errors()[0]['loc']))}") from error


def timed(call: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    result = call()
    return result, (time.perf_counter() - started) * 1000
