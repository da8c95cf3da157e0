"""An optional language model that phrases the service assistant's replies (``ANXIN_ASSISTANT_LLM_URL``,
``…_MODEL``, ``…_KEY``, ``…_TIMEOUT_SECONDS``): an OpenAI-compatible ``/v1/chat/completions``, called only
through the guarded client (``anxin.outbound``) with a short timeout.

It is given the built-in reply and only what that reply was built from (the retrieved knowledge-base
entry, the order facts, the price lines: the ``grounding``), and asked to say the same more naturally in the
customer's language. It decides nothing: the dialogue, the orders and the buttons are the built-in
assistant's. Its answer is used only when it keeps every figure of the built-in reply (order numbers, prices,
times, codes) and stays short; unset, unreachable, slow, refused, malformed or unfaithful: the built-in reply,
as if there were no model."""

from __future__ import annotations

import json
import re
from typing import Any

import structlog

from anxin import outbound
from anxin.config import Settings, get_settings

log = structlog.get_logger(__name__)

MAX_REPLY = 1000  # characters of a phrased reply
MAX_ANSWER_BYTES = 64 * 1024
# the figures a phrased reply must keep: order numbers, prices, times, dates, error codes
_FIGURES = re.compile(r"[A-Za-z]*\d[\d,.:：\-]*")

SYSTEM = (
    "You are the customer-service assistant of a home-appliance repair company. Rewrite the DRAFT reply so "
    "it reads naturally and politely, in {language}. Use only the facts in DRAFT and GROUNDING; never add a "
    "fact, price, time, step or promise that is not there. Keep every order number, price, time, date and "
    "error code exactly as written. Keep numbered steps as a numbered list. Answer with the reply only."
)


def endpoint(url: str) -> str:
    """The chat-completions URL of a base URL (``https://llm.example``, ``…/v1`` or the full path)."""
    base = url.rstrip("/")
    if base.endswith("/chat/completions"):
        return base
    if base.endswith("/v1"):
        return f"{base}/chat/completions"
    return f"{base}/v1/chat/completions"


def faithful(draft: str, phrased: str) -> bool:
    """Every figure of the draft is in the phrased reply, and it is not empty or too long."""
    if not phrased.strip() or len(phrased) > MAX_REPLY:
        return False
    return all(figure in phrased for figure in set(_FIGURES.findall(draft)))


def request_body(
    settings: Settings, *, draft: str, grounding: dict[str, Any], question: str, lang: str
) -> dict:
    language = "English" if lang == "en" else "Simplified Chinese"
    user = {"customer_message": question, "draft": draft, "grounding": grounding}
    return {
        "model": settings.assistant_llm_model,
        "messages": [
            {"role": "system", "content": SYSTEM.format(language=language)},
            {"role": "user", "content": json.dumps(user, ensure_ascii=False)},
        ],
        "temperature": 0.2,
        "max_tokens": 400,
        "stream": False,
    }


def phrase(
    draft: str,
    *,
    grounding: dict[str, Any],
    question: str,
    lang: str,
    settings: Settings | None = None,
) -> str | None:
    """The model's phrasing of ``draft``, or None (no model set, any failure, an unfaithful answer)."""
    settings = settings or get_settings()
    if not settings.assistant_llm_url or not grounding:
        return None
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if settings.assistant_llm_key:
        headers["Authorization"] = f"Bearer {settings.assistant_llm_key}"
    body = request_body(settings, draft=draft, grounding=grounding, question=question, lang=lang)
    try:
        answer = outbound.post(
            endpoint(settings.assistant_llm_url),
            content=json.dumps(body, ensure_ascii=False).encode(),
            headers=headers,
            timeout=settings.assistant_llm_timeout_seconds,
            max_bytes=MAX_ANSWER_BYTES,
            allowed_networks=settings.outbound_allowed_networks,
        )
    except outbound.OutboundError as exc:
        log.warning("assistant.llm_unreachable", error=str(exc))
        return None
    if answer.status_code != 200 or answer.truncated:
        log.warning("assistant.llm_refused", status=answer.status_code)
        return None
    try:
        text = answer.json()["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        log.warning("assistant.llm_malformed")
        return None
    if not isinstance(text, str) or not faithful(draft, text.strip()):
        log.warning("assistant.llm_unfaithful")
        return None
    return text.strip()
