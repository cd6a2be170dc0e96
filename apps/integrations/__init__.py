"""Outbound HTTP to CRMs and helpdesks: stored credentials, SSRF-safe requests."""
