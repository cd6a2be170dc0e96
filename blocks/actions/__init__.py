"""Action blocks: do something for the customer through `ctx.effects`."""
