"""Every table with personal data is in the erasure registry, so a new one cannot be
forgotten: a model with a field that looks personal (email, phone, name, body, notes,
properties, variables, to, …) or rows tied to a customer or a run must be registered in
apps/customers/erasure.py, or exempted there with a reason."""

from __future__ import annotations

import re
from collections.abc import Iterable

import pytest
from django.apps import apps
from django.db import models
from django.test.utils import isolate_apps

from apps.customers.erasure import EXEMPT, REGISTRY

PERSONAL_FIELD = re.compile(
    r"(^|_)(e?mail|phone|name|first_name|last_name|address|to|subject|body|title|notes|"
    r"comment|text|properties|attributes|variables|detail|result|options|error|url|ip)$")
CUSTOMER_TABLES = {"customers.customer", "customers.event", "engine.run"}
LINK_IDS = {"customer_id", "run_id", "event_id"}


def personal_fields(model: type[models.Model]) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if PERSONAL_FIELD.search(f.name)
            and not f.is_relation]


def tied_to_a_customer(model: type[models.Model]) -> bool:
    return any((f.is_relation and f.related_model is not None
                and f.related_model._meta.label_lower in CUSTOMER_TABLES)
               or f.attname in LINK_IDS for f in model._meta.concrete_fields)


def forgotten(candidates: Iterable[type[models.Model]]) -> list[str]:
    covered = {entry.model.lower() for entry in REGISTRY} | {m.lower() for m in EXEMPT}
    return sorted(m._meta.label for m in candidates
                  if (personal_fields(m) or tied_to_a_customer(m))
                  and m._meta.label_lower not in covered)


def keepflow_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if m.__module__.startswith("apps.")]


def test_every_model_with_personal_fields_is_registered_or_exempted():
    assert forgotten(keepflow_models()) == [], (
        "add these models to REGISTRY (with what erasure does to each personal field) or to "
        "EXEMPT (with why they hold no customer's personal data) in apps/customers/erasure.py")


@pytest.mark.parametrize("entry", REGISTRY, ids=lambda e: e.model)
def test_every_personal_field_of_a_registered_model_is_erased_or_kept_on_purpose(entry):
    model = apps.get_model(entry.model)
    if entry.delete:
        return
    unhandled = set(personal_fields(model)) - set(entry.replace) - set(entry.kept)
    assert unhandled == set(), f"{entry.model}: say what erasure does to {sorted(unhandled)}"


@pytest.mark.parametrize("entry", REGISTRY, ids=lambda e: e.model)
def test_registry_names_real_fields_and_a_path_to_the_customer(entry):
    model = apps.get_model(entry.model)
    names = {f.name for f in model._meta.concrete_fields}
    assert set(entry.replace) | set(entry.kept) <= names
    model.objects.filter(**{f"{entry.customer_path}__in": [1]}).query.__str__()  # resolves


def test_exemptions_name_real_models():
    for label in EXEMPT:
        apps.get_model(label)


@isolate_apps("apps.customers")
def test_a_new_model_with_personal_fields_is_caught():
    class CallRecording(models.Model):  # noqa: DJ008 (a throwaway model)
        customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE)
        transcript_text = models.TextField()

        class Meta:
            app_label = "customers"

    class Survey(models.Model):  # noqa: DJ008 (a throwaway model)
        respondent_email = models.EmailField()

        class Meta:
            app_label = "customers"

    class Colour(models.Model):  # noqa: DJ008 (a throwaway model)
        hex = models.CharField(max_length=7)

        class Meta:
            app_label = "customers"

    assert forgotten([CallRecording, Survey, Colour]) == ["customers.CallRecording",
                                                          "customers.Survey"]
