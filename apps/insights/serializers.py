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
