"""Runs, steps, timers and triggers: the workflow interpreter."""
