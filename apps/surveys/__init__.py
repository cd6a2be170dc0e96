"""Exit surveys: why customers leave, asked by a workflow block and reported by reason."""
