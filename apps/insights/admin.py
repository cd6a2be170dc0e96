from django.contrib import admin

from apps.insights.models import ChurnBreakdown, InsightsSettings, ModelFit


@admin.register(ModelFit)
class ModelFitAdmin(admin.ModelAdmin):
    list_display = ["fitted_at", "as_of", "customers", "contract_customers", "converged", "r",
                    "alpha", "a", "b", "log_likelihood", "p", "q", "gamma"]
    list_filter = ["converged"]
    readonly_fields = [f.name for f in ModelFit._meta.fields]


@admin.register(InsightsSettings)
class InsightsSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "updated_at", "updated_by"]
    readonly_fields = ["updated_at", "updated_by"]


@admin.register(ChurnBreakdown)
class ChurnBreakdownAdmin(admin.ModelAdmin):
    list_display = ["customer", "score", "as_of", "computed_at"]
    raw_id_fields = ["customer"]
    readonly_fields = ["score", "signals", "values", "computed_at", "as_of"]
