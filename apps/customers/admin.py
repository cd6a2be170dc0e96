from django.contrib import admin

from apps.customers.models import Customer, Event, Segment, SegmentMembership


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["external_id", "email", "phone", "first_name", "last_name", "tier",
                    "last_seen_at"]
    search_fields = ["external_id", "email", "phone", "last_name"]
    list_filter = ["tier", "timezone"]
    readonly_fields = ["created_at", "updated_at", "last_seen_at", "erased_at"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["type", "customer", "occurred_at", "source"]
    list_filter = ["source", "type"]
    search_fields = ["customer__external_id", "idempotency_key", "type"]
    raw_id_fields = ["customer"]
    date_hierarchy = "occurred_at"


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ["name", "member_count", "refreshed_at", "updated_at"]
    search_fields = ["name"]
    readonly_fields = ["member_count", "refreshed_at"]


@admin.register(SegmentMembership)
class SegmentMembershipAdmin(admin.ModelAdmin):
    list_display = ["segment", "customer", "entered_at"]
    list_filter = ["segment"]
    raw_id_fields = ["customer"]
