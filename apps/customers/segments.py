"""Segment membership (being built)."""


def segments_refresh_for_customers(customer_ids: list[int]) -> None:
    return None


def segments_refresh_all() -> None:
    return None
