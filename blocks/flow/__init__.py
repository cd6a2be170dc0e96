"""Flow blocks: decide where a customer goes next, or when."""
