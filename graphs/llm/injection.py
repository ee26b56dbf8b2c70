"""Whether a text from the cluster speaks to a language model rather than to a person.

`addresses_a_model(text)` is True for a log line or an event message that reads like a prompt
injection: "ignore previous instructions", "you are now ...", "as an AI ...", a chat role marker
("assistant:", "<|im_start|>system", "[INST]"), a tag that tries to close or open part of a
prompt. It reads the normalised text (`normalise.py`), so invisible characters and full-width
letters do not hide the phrase. Such text is still sent to the model, as data; the report only
notes which evidence tried it (prompt-injection suspicion), so a reader knows the logs were
written for a model.
"""

from __future__ import annotations

import re

from graphs.llm.normalise import normalise

_ADDRESSES_A_MODEL = re.compile(
    r"""(?x)
    \b(?:ignore|disregard|forget|override|bypass)\b[^.\n]{0,40}\b(?:instructions?|prompts?|rules|context|guidelines)\b
    | \byou\s+are\s+now\b
    | \b(?:system|developer)\s+(?:prompt|message)\b
    | \bnew\s+instructions?\b
    | </?\s*(?:system|assistant|user|evidence|instructions?)\s*>
    | \bas\s+an?\s+(?:ai|llm|large\s+language\s+model|language\s+model|assistant|chatbot)\b
    | \b(?:ai|llm|language\s+model|assistant|chatbot)\b[^.\n]{0,30}\b(?:must|should|shall)\b
    | (?:^|[\s\]>|"'])(?:assistant|ai|llm|chatgpt|gpt|claude)\s*:
    | <\|im_(?:start|end)\|> | \[/?inst\] | <<sys>>
    | \b(?:dear|hey|attention|note\s+to\s+(?:the\s+)?)\s*(?:ai|llm|assistant|model|chatgpt|gpt|claude)\b
    """
)


def addresses_a_model(text: str) -> bool:
    """True when `text` reads like instructions to a language model (see the module's docstring)."""
    return _ADDRESSES_A_MODEL.search(normalise(text)) is not None
