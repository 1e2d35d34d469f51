"""JSON chat calls to any OpenAI-compatible server, with validation, retries and error classes.

Transient failures (connection, timeout, 429, 5xx) are retried with back-off and then raise
LLMUnavailable, which the job layer turns into a job retry. Replies that are not valid JSON
or fail validation are retried with the validation error fed back to the model, then raise
LLMInvalidResponse. Other API errors (bad key, unknown model) raise LLMError at once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Callable
from typing import Any, TypeVar, cast

import openai
from openai import AsyncOpenAI

from core.config import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")

_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)


class LLMError(Exception):
    """The LLM could not produce a usable answer and retrying the job will not help."""


class LLMUnavailable(LLMError):
    """The LLM server is unreachable, overloaded or failing: retry the job later."""


class LLMInvalidResponse(LLMError):
    """The model kept answering with invalid JSON or out-of-range content."""


class InvalidReply(ValueError):
    """Raised by validators: the message is sent back to the model on the next attempt."""


def make_client(settings: Settings, *, timeout: float = 120.0) -> AsyncOpenAI:
    """A client with its own retries off: retries and back-off are handled in chat_json."""
    if not settings.llm_base_url:
        raise LLMError("llm_base_url is not configured")
    return AsyncOpenAI(
        base_url=settings.llm_base_url,
        api_key=settings.llm_api_key or "not-needed",
        max_retries=0,
        timeout=timeout,
    )


def parse_json_object(content: str | None) -> dict[str, Any]:
    """Parse a reply that should be one JSON object (tolerates a ```json fence)."""
    if not content:
        raise InvalidReply("the reply was empty")
    m = _FENCE.match(content)
    text = m.group(1) if m else content
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise InvalidReply(f"the reply was not valid JSON ({e.msg} at char {e.pos})") from e
    if not isinstance(data, dict):
        raise InvalidReply("the reply must be a JSON object")
    return data


async def chat_json(
    client: AsyncOpenAI,
    model: str,
    messages: list[dict[str, str]],
    validate: Callable[[dict[str, Any]], T],
    *,
    attempts: int = 3,
    transient_attempts: int = 3,
    backoff: float = 1.0,
    temperature: float = 0.2,
) -> T:
    """Ask for a JSON object and return `validate(obj)`; see the module doc for failures."""
    convo = list(messages)
    invalid = 0
    transient = 0
    while True:
        try:
            resp = await client.chat.completions.create(
                model=model,
                messages=cast(Any, convo),
                response_format={"type": "json_object"},
                temperature=temperature,
            )
        except (openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError) as e:
            transient += 1
            if transient >= transient_attempts:
                raise LLMUnavailable(f"LLM unavailable after {transient} tries: {e}") from e
            log.warning("llm transient error (%s), retry %d", type(e).__name__, transient)
            await asyncio.sleep(backoff * 2 ** (transient - 1))
            continue
        except openai.APIStatusError as e:
            if e.status_code in (408, 409) or e.status_code >= 500:
                transient += 1
                if transient >= transient_attempts:
                    raise LLMUnavailable(f"LLM unavailable: HTTP {e.status_code}") from e
                await asyncio.sleep(backoff * 2 ** (transient - 1))
                continue
            raise LLMError(f"LLM refused the request: HTTP {e.status_code}: {e.message}") from e
        except openai.OpenAIError as e:
            raise LLMError(f"LLM call failed: {e}") from e
        content = resp.choices[0].message.content if resp.choices else None
        try:
            return validate(parse_json_object(content))
        except (InvalidReply, ValueError) as e:
            invalid += 1
            if invalid >= attempts:
                raise LLMInvalidResponse(f"invalid LLM reply after {invalid} tries: {e}") from e
            log.warning("llm reply invalid (%s), asking again", e)
            convo = [
                *messages,
                {"role": "assistant", "content": content or ""},
                {
                    "role": "user",
                    "content": f"That reply was invalid: {_short(str(e))}. "
                    "Answer again with only the corrected JSON object.",
                },
            ]


def _short(text: str, limit: int = 600) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
