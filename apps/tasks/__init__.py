"""Agent tasks for the contact center (call-backs, follow-ups)."""
