"""The block library: one small module per block (see README.md) and the registry."""
