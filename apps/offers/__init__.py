"""Discount codes and signed reactivation links."""
