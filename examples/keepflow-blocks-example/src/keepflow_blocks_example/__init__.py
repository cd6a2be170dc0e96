"""An example block package for Keepflow: loyalty points.

Keepflow loads `BLOCKS` through the `keepflow.blocks` entry point (pyproject.toml) after
its core blocks. The blocks keep the same contract as core blocks: a frozen config model,
a BlockSpec with palette metadata, and `run(ctx, config)` that decides and leaves side
effects to `ctx.effects`.
"""

from __future__ import annotations

from blocks.base import BlockSpec
from keepflow_blocks_example import award_points, points_check

BLOCKS: list[BlockSpec] = [award_points.SPEC, points_check.SPEC]
