"""Trigger blocks: where a run starts. The engine matches their configs; `run` continues."""
