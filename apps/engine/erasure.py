"""What erasing a customer asks of the engine (registered with apps.customers.erasure in
EngineConfig.ready): their active runs end first, so no running step writes their data
back after the erasure."""

from datetime import datetime

from apps.engine.models import ACTIVE_STATES, Run
from apps.engine.services import runs_end

RUN_CANCEL_REASON = "customer_erased"


def runs_cancel_for_erasure(customer_ids: list[int], now: datetime) -> int:
    """Cancel these customers' active runs; returns how many ended."""
    run_ids = list(Run.objects.filter(customer_id__in=customer_ids, state__in=ACTIVE_STATES)
                   .order_by("id").values_list("id", flat=True))
    return runs_end(run_ids, verb="cancel", reason=RUN_CANCEL_REASON, now=now)
