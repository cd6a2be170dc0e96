"""Messages through providers, behind the guardrails."""
