"""What configures the optional LLM: read by the orchestrator's settings (`SRE_LLM_*`), used by graphs/llm/client.py.

Plain pydantic, so that the investigation's lower layer owns its configuration and the
orchestrator's settings only inherit it.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, SecretStr


class LLMSettings(BaseModel):
    # The optional LLM (any OpenAI-compatible Chat Completions endpoint); unset: no LLM at all.
    llm_model: str | None = Field(None, description="Model name; setting it turns LLM extraction on.")
    llm_base_url: str | None = Field(None, description="OpenAI-compatible API base URL (default: OpenAI's).")
    llm_api_key: SecretStr | None = None
    llm_api_key_file: Path | None = Field(None, description="File holding the API key (a mounted Secret).")
    llm_ca_bundle: Path | None = Field(None, description="PEM CA bundle that signs the LLM server's certificate.")
    llm_allow_insecure_http: bool = Field(False, description="Allow a plain http:// base URL (an in-cluster model).")
    llm_timeout_seconds: float = Field(20.0, gt=0, description="Per-request timeout of an LLM call.")
    llm_max_retries: int = Field(2, ge=0, le=10, description="Retries of a timed-out, 429 or 5xx LLM call.")
    llm_budget_seconds: float = Field(
        45.0, gt=0, description="Time all LLM calls of one investigation may take together, retries included."
    )
    llm_max_prompt_tokens: int = Field(
        2500, ge=500, le=100_000, description="Largest analysis prompt, in estimated tokens; evidence is cut to fit."
    )
    llm_max_output_tokens: int = Field(600, ge=50, le=8000, description="Longest answer the LLM may give.")
