"""The optional LLM: its settings, one metered client, and its two uses (reading the description,
narrating the evidence). Everything here is optional: without SRE_LLM_MODEL nothing is imported."""
