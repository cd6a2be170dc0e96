from django.contrib import admin

from apps.insights.models import ModelFit


@admin.register(ModelFit)
class ModelFitAdmin(admin.ModelAdmin):
    list_display = ["fitted_at", "as_of", "customers", "converged", "r", "alpha", "a", "b",
                    "log_likelihood", "p", "q", "gamma"]
    list_filter = ["converged"]
    readonly_fields = [f.name for f in ModelFit._meta.fields]
