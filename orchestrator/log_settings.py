"""How the servers log (`SRE_LOG_FORMAT`, `SRE_LOG_LEVEL`), on its own so that reading it costs no more
than pydantic-settings: `sre-orchestrator mcp` reads it at every start, and the orchestrator's full
settings (settings.py) import the investigation's models."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class LogSettings(BaseSettings):
    """How the servers (`serve`, `mcp`, `mcp-workflow`) log; the image sets SRE_LOG_FORMAT=json."""

    model_config = SettingsConfigDict(env_prefix="SRE_", extra="ignore", hide_input_in_errors=True)

    log_format: Literal["json", "text"] = Field("text", description="json: one object a line, for a log pipeline.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
