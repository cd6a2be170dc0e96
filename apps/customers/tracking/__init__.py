"""The Segment-compatible HTTP tracking API (/v1/identify, /v1/track, /v1/batch, ...)."""
