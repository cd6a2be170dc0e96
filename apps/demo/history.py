"""Synthetic purchase histories for the demo: a seeded "buy till you die" model.

The retention workflows need what real shops have: regulars with their own rhythm,
regulars who stopped, and many one-time buyers. Each simulated customer

- is acquired on a day spread evenly over the last 18 months;
- buys at an individual rate, gamma-distributed across customers (Pareto/NBD, BG/NBD),
  on average one order about every two months with a wide spread;
- buys with an individual regularity: the gaps between orders are gamma-distributed
  with a shape of at least 1.5 (as in Platzer & Reutterer's Pareto/GGG), so a loyal
  customer has a rhythm that a missed order breaks visibly;
- may drop out for good after each order, the first one included, with an individual
  probability drawn from a beta distribution (as in MBG/NBD);
- spends per order around an individual average (Gamma-Gamma, Fader & Hardie 2013),
  about $45 overall.

The parameters were tuned so that 300 customers look like the CDNOW cohort that these
models are benchmarked on (about half buy once, a third three times or more, the median
gap between orders is about a month) while acquisition keeps going, so a good share is
active now. Days count back from today: the same seed gives the same orders every day,
only their dates follow the calendar.
"""

import random
from dataclasses import dataclass
from decimal import Decimal

ACQUISITION_DAYS = 540  # first orders within the last ~18 months
RATE_SHAPE, RATE_MEAN_GAP_DAYS = 0.9, 60.0  # orders per day ~ Gamma(0.9, mean 1/60)
SHORTEST_MEAN_GAP_DAYS = 9.0  # nobody orders more often than about weekly on average
REGULARITY_MIN, REGULARITY_SHAPE, REGULARITY_SCALE = 1.5, 2.0, 1.0
DROPOUT_A, DROPOUT_B = 1.0, 3.2  # dropout per order ~ Beta: mean about a quarter
SPEND_P, SPEND_Q, SPEND_GAMMA = 6.25, 3.74, 19.7  # Gamma-Gamma; mean p*gamma/(q-1) = $45
AVERAGE_SPEND_RANGE = (12.0, 250.0)
ITEM_PRICE_RANGE = (9.0, 35.0)
MAX_ORDERS = 80


@dataclass(frozen=True)
class Purchase:
    days_ago: int  # 1 is yesterday
    items: int
    amount: Decimal


def purchases_simulate(rng: random.Random, acquisition_days: int = ACQUISITION_DAYS
                       ) -> list[Purchase]:
    """One customer's orders, oldest first: at least the first, none today or later."""
    mean_gap = max(1 / rng.gammavariate(RATE_SHAPE, 1 / (RATE_SHAPE * RATE_MEAN_GAP_DAYS)),
                   SHORTEST_MEAN_GAP_DAYS)
    regularity = REGULARITY_MIN + rng.gammavariate(REGULARITY_SHAPE, REGULARITY_SCALE)
    dropout = rng.betavariate(DROPOUT_A, DROPOUT_B)
    average_spend = min(max(SPEND_P * rng.gammavariate(SPEND_Q, 1 / SPEND_GAMMA) ** -1,
                            AVERAGE_SPEND_RANGE[0]), AVERAGE_SPEND_RANGE[1])
    item_price = rng.uniform(*ITEM_PRICE_RANGE)

    days_ago = rng.randint(1, acquisition_days)
    orders: list[Purchase] = []
    while days_ago >= 1 and len(orders) < MAX_ORDERS:
        amount = rng.gammavariate(SPEND_P, average_spend / SPEND_P)
        items = max(1, round(amount / item_price))
        orders.append(Purchase(days_ago, items, Decimal(f"{max(amount, 1.0):.2f}")))
        if rng.random() < dropout:
            break
        days_ago -= max(1, round(rng.gammavariate(regularity, mean_gap / regularity)))
    return orders
