"""Demo data for `make run` (`manage.py setup_demo`): customers with generated histories,
segments, the starter workflows as drafts and the demo admin. It sits on top of every
other app, so none of them depends on it."""
