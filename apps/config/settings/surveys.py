"""Exit surveys (docs/surveys.md)."""

import environ

env = environ.Env()

# The hosted survey page (/s/<token>): requests per client address and window, counted
# in Redis; beyond that the page answers 429.
KEEPFLOW_SURVEY_RATE_LIMIT = env.int("KEEPFLOW_SURVEY_RATE_LIMIT", default=30)
KEEPFLOW_SURVEY_RATE_WINDOW_SECONDS = env.int("KEEPFLOW_SURVEY_RATE_WINDOW_SECONDS",
                                              default=300)
