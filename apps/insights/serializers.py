from rest_framework import serializers

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
