"""The optional LLM: an OpenAI-compatible chat model, and one metered structured call to it.

The model only ever reads (the description in step 1, the collected evidence in step 4) and
answers in a JSON schema; whatever it says is checked before it is used. Every call is
recorded as an `LLMCall` (tokens, latency, outcome) in the investigation's state, so each
report says what the LLM cost and whether it was available, and the metrics can count it.

An investigation's LLM calls share one time budget: a slow or rate-limited server costs at
most `llm_budget_seconds`, after which the rules' answer stands alone and the incident completes.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
import ssl
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, SecretStr, ValidationError

from graphs.models import LLMCall, Purpose

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessage
    from langchain_openai import ChatOpenAI

    from graphs.llm.settings import LLMSettings

log = logging.getLogger("sre.graphs.llm.client")

INSECURE_HTTP_SETTING = "SRE_LLM_ALLOW_INSECURE_HTTP"
# Keyless servers (a model inside the cluster) still need some key; passing one explicitly also
# keeps the SDK from sending $OPENAI_API_KEY, which belongs to another endpoint, to this one.
_NO_KEY = "not-configured"
# A token per run of letters, per group of up to three digits (GPT tokenizers split numbers in
# threes) and per punctuation mark, plus a margin: within a few percent of o200k_base on English,
# and above it on logs dense with numbers and symbols, where a characters-per-token rule
# undercounts (bench/llm_usage.py measures both against the real tokenizer).
_TOKEN_PIECES = re.compile(r"[^\W\d_]+|\d{1,3}|[^\w\s]|_")
_MARGIN = 1.1

Answer = TypeVar("Answer", bound=BaseModel)


def estimate_tokens(text: str) -> int:
    """A conservative token count for budgeting a prompt before it is sent."""
    return math.ceil(len(_TOKEN_PIECES.findall(text)) * _MARGIN)


def check_llm_settings(settings: LLMSettings) -> None:
    """Refuse (ValueError) an LLM configuration that cannot work or would send descriptions in clear text."""
    if not settings.llm_model:
        return
    if settings.llm_base_url is not None:  # else OpenAI itself, over HTTPS
        _require_tls(settings.llm_base_url, settings.llm_allow_insecure_http)
    _api_key(settings)


def _require_tls(base_url: str, allow_insecure_http: bool) -> None:
    url = urlsplit(base_url)
    scheme = url.scheme.lower()
    where = f"{scheme}://{url.hostname}"  # not the whole URL: it may carry credentials
    if scheme == "http" and not allow_insecure_http:
        raise ValueError(
            f"refusing the plain HTTP LLM base URL {where}: incident descriptions and the API key would "
            "cross the network unencrypted; use https:// (with SRE_LLM_CA_BUNDLE for a private CA), or set "
            f"{INSECURE_HTTP_SETTING}=true for a model reachable only inside the cluster"
        )
    if scheme not in ("http", "https"):
        raise ValueError(f"the LLM base URL must be an https:// URL, got {where}")


def _api_key(settings: LLMSettings) -> SecretStr:
    file = settings.llm_api_key_file
    if file is None:
        return settings.llm_api_key or SecretStr(_NO_KEY)
    if settings.llm_api_key is not None:
        raise ValueError("set SRE_LLM_API_KEY or SRE_LLM_API_KEY_FILE, not both")
    try:
        key = file.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ValueError(f"cannot read the LLM API key file {file}: {exc.strerror}") from exc
    if not key:
        raise ValueError(f"the LLM API key file {file} is empty")
    return SecretStr(key)


def chat_model(settings: LLMSettings) -> ChatOpenAI | None:
    """The configured chat model, or None without `llm_model`. Close it with `aclose_chat_model`."""
    if not settings.llm_model:
        return None
    check_llm_settings(settings)
    # Imported only when an LLM is configured: langchain-openai and openai cost ~30 MiB of RSS,
    # which a deployment without an LLM should not pay (the footprint stays within 0.5 vCPU and 512 MiB).
    import openai
    from langchain_openai import ChatOpenAI

    verify: ssl.SSLContext | bool = True
    if settings.llm_ca_bundle is not None:
        try:
            verify = ssl.create_default_context(cafile=str(settings.llm_ca_bundle))
        except (OSError, ssl.SSLError) as exc:
            raise ValueError(f"cannot load the LLM CA bundle {settings.llm_ca_bundle}: {exc}") from exc
    return ChatOpenAI(
        model=settings.llm_model,
        base_url=settings.llm_base_url,
        api_key=_api_key(settings),
        timeout=settings.llm_timeout_seconds,
        max_retries=settings.llm_max_retries,
        max_completion_tokens=settings.llm_max_output_tokens,
        # Our own clients, so the CA bundle applies and the investigator can close them.
        # DefaultHttpxClient is built on the HTTP library the installed SDK uses (httpx or httpx2).
        http_client=openai.DefaultHttpxClient(verify=verify),
        http_async_client=openai.DefaultAsyncHttpxClient(verify=verify),
        # Chat Completions is the API that OpenAI-compatible servers implement; /responses is not.
        use_responses_api=False,
        # A structured answer is only usable whole; streaming it would gain nothing.
        disable_streaming=True,
    )


async def aclose_chat_model(llm: ChatOpenAI) -> None:
    if llm.http_async_client is not None:
        await llm.http_async_client.aclose()
    if llm.http_client is not None:
        llm.http_client.close()


# -- one metered call ---------------------------------------------------------------------------


class LLMAnswerError(Exception):
    """The LLM answered, but the answer cannot be used; the message is shown to the reader."""


class LLMCallFailed(Exception):
    """A call gave nothing usable; `call` records what it cost and why (`str(self)`)."""

    def __init__(self, call: LLMCall) -> None:
        super().__init__(call.error)
        self.call = call


@dataclass(frozen=True)
class LLM:
    """The chat model and the limits every investigation's calls keep to."""

    model: ChatOpenAI
    budget_seconds: float
    max_prompt_tokens: int

    @classmethod
    def from_settings(cls, settings: LLMSettings) -> LLM | None:
        model = chat_model(settings)
        if model is None:
            return None
        return cls(model, settings.llm_budget_seconds, settings.llm_max_prompt_tokens)

    async def aclose(self) -> None:
        await aclose_chat_model(self.model)

    def time_left(self, earlier: list[LLMCall]) -> float:
        return self.budget_seconds - sum(call.latency_seconds for call in earlier)

    async def ask(
        self, schema: type[Answer], messages: list[BaseMessage], purpose: Purpose, earlier: list[LLMCall]
    ) -> tuple[Answer, LLMCall]:
        """The model's answer in `schema`, validated; raises LLMCallFailed with the call's record.

        The schema goes out as a plain JSON schema and comes back through our own validation
        (not the SDK's parser), so the tokens of an answer that turns out unusable are counted too.
        """
        left = self.time_left(earlier)
        if left <= 0:
            raise LLMCallFailed(
                LLMCall(purpose=purpose, error=f"the LLM time budget ({self.budget_seconds:g} s) was spent")
            )
        json_schema = {"title": schema.__name__, "description": schema.__doc__ or "", **schema.model_json_schema()}
        reader = self.model.with_structured_output(json_schema, method="json_schema", include_raw=True)
        started = time.perf_counter()
        raw: Any = None
        try:
            async with asyncio.timeout(left):
                reply = await reader.ainvoke(messages)
            raw = reply["raw"]
            if reply["parsing_error"] is not None or reply["parsed"] is None:
                raise LLMAnswerError("the LLM's answer is not valid JSON")
            answer = schema.model_validate(reply["parsed"])
        except Exception as exc:
            call = _record(purpose, raw, started, error=describe_llm_failure(exc, left))
            log.warning("LLM %s answer not used: %s", purpose, call.error)
            raise LLMCallFailed(call) from exc
        return answer, _record(purpose, raw, started)


def _record(purpose: Purpose, raw: Any, started: float, error: str | None = None) -> LLMCall:
    usage = getattr(raw, "usage_metadata", None) or {}
    return LLMCall(
        purpose=purpose,
        ok=error is None,
        input_tokens=usage.get("input_tokens", 0),
        output_tokens=usage.get("output_tokens", 0),
        latency_seconds=round(time.perf_counter() - started, 4),
        error=error,
    )


def describe_llm_failure(exc: BaseException, budget_left: float | None = None) -> str:
    """Why an LLM answer was not used, for the incident: short, and never the server's own text
    (an error body may echo the request, key included)."""
    if isinstance(exc, LLMAnswerError):
        return str(exc)
    if isinstance(exc, TimeoutError):  # our budget, not the SDK's per-request timeout
        return f"the LLM did not answer within the time left of its budget ({budget_left or 0:.1f} s)"
    import openai  # already loaded: only a configured LLM gets here

    if isinstance(exc, openai.APITimeoutError):
        return "the LLM server did not answer in time"
    if isinstance(exc, openai.RateLimitError):
        return "the LLM server kept answering 429 Too Many Requests"
    if isinstance(exc, openai.APIStatusError):
        return f"the LLM server answered HTTP {exc.status_code}"
    if isinstance(exc, openai.APIConnectionError):
        if _untrusted_certificate(exc):
            return "the LLM server's TLS certificate is not trusted (see SRE_LLM_CA_BUNDLE)"
        return "cannot connect to the LLM server"
    if isinstance(exc, ValidationError):
        first = exc.errors(include_input=False, include_url=False)[0]
        if first["type"] == "json_invalid":
            return "the LLM's answer is not valid JSON"
        where = ".".join(map(str, first["loc"])) or "the answer"
        return f"the LLM's answer does not fit the schema ({where}: {first['msg']})"
    from langchain_core.exceptions import OutputParserException  # only where an LLM answered

    if isinstance(exc, (OutputParserException, ValueError)):  # e.g. an empty answer
        return "the LLM gave no usable structured answer"
    return f"the LLM call failed ({type(exc).__name__})"


def _untrusted_certificate(exc: BaseException) -> bool:
    # The SSL error sits a few links down the chain (SDK error <- HTTP library error <- ssl).
    cause: BaseException | None = exc
    for _ in range(8):  # a bound, not a walk: chains can loop
        if cause is None:
            break
        if isinstance(cause, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(cause):
            return True
        cause = cause.__cause__ or cause.__context__
    return False
