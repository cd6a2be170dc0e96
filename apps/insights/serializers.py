import itertools
from typing import Any

from rest_framework import serializers

from apps.customers.validators import EVENT_TYPE_HINT, EVENT_TYPE_PATTERN
from apps.insights.models import SIGNALS

MAX_FORECAST_DAYS = 3650


class BgNbdSerializer(serializers.Serializer):
    r = serializers.FloatField()
    alpha = serializers.FloatField(help_text="Scale, in weeks.")
    a = serializers.FloatField()
    b = serializers.FloatField()
    log_likelihood = serializers.FloatField()


class GammaGammaSerializer(serializers.Serializer):
    p = serializers.FloatField()
    q = serializers.FloatField()
    gamma = serializers.FloatField()


class ModelSerializer(serializers.Serializer):
    bgnbd = BgNbdSerializer()
    gamma_gamma = GammaGammaSerializer(allow_null=True,
                                       help_text="Null when the spend model is not fitted.")
    as_of = serializers.DateField(help_text="The last day of purchases the fit used.")
    fitted_at = serializers.DateTimeField()
    customers = serializers.IntegerField(help_text="Customers with at least one purchase.")
    last_attempt = serializers.DictField(
        allow_null=True,
        help_text="The newest fit if it did not converge: {fitted_at, as_of, reason}.")


class ForecastQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=MAX_FORECAST_DAYS,
                                    help_text="Horizon in days.")


class ForecastSerializer(serializers.Serializer):
    customer_id = serializers.CharField()
    days = serializers.IntegerField()
    expected_purchases = serializers.FloatField()
    as_of = serializers.DateField(help_text="The model's as-of day.")


class ScoreHistoryQuerySerializer(serializers.Serializer):
    """`from` and `to`: UTC days, both included (`from` is a Python keyword, so it is
    added in get_fields)."""

    to = serializers.DateField(required=False, help_text="Last day (YYYY-MM-DD), included.")

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = serializers.DateField(required=False,
                                               help_text="First day (YYYY-MM-DD), included.")
        return fields

    def validate(self, attrs: dict) -> dict:
        start, end = attrs.get("from"), attrs.get("to")
        if start and end and start > end:
            raise serializers.ValidationError({"to": "Give a day on or after `from`."})
        return attrs


class ScorePointSerializer(serializers.Serializer):
    at = serializers.DateTimeField(help_text="When the scores held: the fit's time, or noon "
                                             "UTC of an earlier as-of day.")
    as_of = serializers.DateField(help_text="The fit's as-of day.")
    fit_id = serializers.IntegerField(allow_null=True)
    churn_score = serializers.FloatField()
    p_alive = serializers.FloatField()
    clv = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    tier = serializers.CharField(allow_blank=True)


class ScoreThresholdsSerializer(serializers.Serializer):
    churn_score = serializers.FloatField()
    p_alive = serializers.FloatField()


class ScoreHistorySerializer(serializers.Serializer):
    customer_id = serializers.CharField()
    thresholds = ScoreThresholdsSerializer(help_text="The crossing thresholds.")
    points = ScorePointSerializer(many=True, help_text="Oldest first. A point is stored only "
                                  "when the scores moved or the tier changed.")
def _event_type(help_text: str) -> serializers.RegexField:
    return serializers.RegexField(EVENT_TYPE_PATTERN, max_length=100, help_text=help_text,
                                  error_messages={"invalid": EVENT_TYPE_HINT})


class WeightsSerializer(serializers.Serializer):
    """Each signal's weight; the score divides by their sum, so only ratios matter."""

    contract_end = serializers.FloatField(min_value=0, max_value=100)
    feedback = serializers.FloatField(min_value=0, max_value=100)
    complaints = serializers.FloatField(min_value=0, max_value=100)
    inactivity = serializers.FloatField(min_value=0, max_value=100)
    cancellation = serializers.FloatField(min_value=0, max_value=100)



class TierSerializer(serializers.Serializer):
    name = serializers.RegexField(r"^[a-z0-9_-]{1,32}$", help_text="e.g. vip",
                                  error_messages={"invalid": "Use 1-32 lower-case letters, "
                                                             "digits, - or _."})
    percentile = serializers.FloatField(
        min_value=0, max_value=1,
        help_text="The share of scored customers below the tier's lower bound (0.95 = top 5%).")

    def to_representation(self, instance: Any) -> dict:
        if isinstance(instance, list | tuple):  # stored as [name, percentile]
            return {"name": instance[0], "percentile": float(instance[1])}
        return super().to_representation(instance)


class InsightsSettingsSerializer(serializers.Serializer):
    """The churn score settings page. On PUT, fields left out keep their value."""

    churn_score_threshold = serializers.FloatField(
        min_value=0, max_value=1, help_text="A churn score passing this emits churn_score.crossed.")
    p_alive_threshold = serializers.FloatField(
        min_value=0, max_value=1, help_text="P(alive) passing this emits churn_score.crossed.")
    tiers = TierSerializer(many=True, help_text="Highest tier first.")
    contract_attribute = serializers.RegexField(
        r"^[A-Za-z][A-Za-z0-9_]{0,63}$",
        help_text="The customer attribute holding the contract end date (YYYY-MM-DD); "
                  "customers who have it are contract customers.",
        error_messages={"invalid": "Use letters, digits and _, starting with a letter."})
    weights = WeightsSerializer()
    contract_horizon_days = serializers.IntegerField(
        min_value=1, max_value=3650,
        help_text="The contract-end signal rises from 0 to 1 over this many last days.")
    feedback_event = _event_type("The feedback or NPS event, e.g. feedback.submitted.")
    feedback_field = serializers.RegexField(
        r"^properties\.[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$", max_length=100,
        help_text="Where the score is, e.g. properties.score.",
        error_messages={"invalid": "Write it as properties.<key>, e.g. properties.score."})
    feedback_scale = serializers.FloatField(
        min_value=1, max_value=1000, help_text="The best score (10 on the NPS scale).")
    complaint_event = _event_type("The event that is a complaint, e.g. support.ticket_opened.")
    complaint_window_days = serializers.IntegerField(min_value=1, max_value=3650)
    complaints_full = serializers.IntegerField(
        min_value=1, max_value=1000, help_text="Complaints in the window that count as full risk.")
    inactivity_full_ratio = serializers.FloatField(
        min_value=1.1, max_value=100,
        help_text="Silence of this many times the customer's usual gap counts as full risk.")
    default_rhythm_days = serializers.IntegerField(
        min_value=1, max_value=3650,
        help_text="The usual gap assumed for a customer with fewer than 3 active days.")
    cancellation_event = _event_type("A cancellation request, e.g. cancellation.requested.")
    cancellation_window_days = serializers.IntegerField(min_value=1, max_value=3650)
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)
    updated_by = serializers.CharField(read_only=True, allow_null=True,
                                       source="updated_by.username", default=None)

    def validate_tiers(self, tiers: list[dict]) -> list[dict]:
        if not tiers:
            raise serializers.ValidationError("Give at least one tier.")
        if any("name" not in tier or "percentile" not in tier for tier in tiers):
            # A PUT is partial, and DRF makes the nested tiers partial too.
            raise serializers.ValidationError("Give each tier a name and a percentile.")
        names = [tier["name"] for tier in tiers]
        if len(set(names)) != len(names):
            raise serializers.ValidationError("Give each tier its own name.")
        shares = [tier["percentile"] for tier in tiers]
        if any(high <= low for high, low in itertools.pairwise(shares)):
            raise serializers.ValidationError(
                "List the tiers highest first: each percentile below the one before.")
        return tiers



def weights_merged(current: dict[str, float], given: dict[str, float]) -> dict[str, float]:
    """The saved weights with the given ones over them; at least one must be above 0."""
    weights = {name: float(current.get(name, 0)) for name in SIGNALS} | given
    if not any(weights[name] > 0 for name in SIGNALS):
        raise serializers.ValidationError(
            {"weights": ["Give at least one signal a weight above 0."]})
    return weights


class SettingsPreviewSerializer(serializers.Serializer):
    contract_customers = serializers.IntegerField(
        help_text="Contract customers with a stored breakdown (as of the last scoring).")
    at_risk = serializers.IntegerField(
        help_text="How many of them would score at or above the threshold with these weights.")
    currently_at_risk = serializers.IntegerField(help_text="The same with the saved weights.")


class BreakdownSignalSerializer(serializers.Serializer):
    signal = serializers.ChoiceField(choices=SIGNALS)
    weight = serializers.FloatField()
    value = serializers.FloatField(help_text="The signal, 0..1.")
    points = serializers.FloatField(help_text="Its part of the score: weight share x value.")
    words = serializers.CharField(help_text="What it is, in plain words.")
    raw = serializers.JSONField(allow_null=True, help_text="The fact behind the value.")


class ChurnBreakdownSerializer(serializers.Serializer):
    score = serializers.FloatField()
    as_of = serializers.DateField()
    computed_at = serializers.DateTimeField()
    signals = BreakdownSignalSerializer(many=True, help_text="Most points first.")
