from django.contrib import admin, messages

from fundadmin.admin import ReadOnlyAdmin

from . import services
from .models import Delivery, Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "recipient", "title", "read_at"]
    list_filter = ["read_at"]
    search_fields = ["title", "recipient__username", "recipient__full_name"]
    list_select_related = ["recipient"]


class FailedFirst(admin.SimpleListFilter):
    """Opens on what needs the administrator: deliveries that failed (已停止重试) or wait to retry."""

    title = "状态"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("problems", "发送失败（含等待重试）"), *Delivery.State.choices]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "problems":
            return queryset.filter(state__in=[Delivery.State.FAILED, Delivery.State.RETRYING])
        if value:
            return queryset.filter(state=value)
        return queryset


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "channel", "recipient", "address", "subject", "state_text", "last_error"]
    list_filter = [FailedFirst, "kind", "channel"]
    search_fields = ["address", "subject", "recipient__username", "recipient__full_name"]
    list_select_related = ["recipient"]
    actions = ["resend"]

    @admin.display(description="状态")
    def state_text(self, obj: Delivery) -> str:
        return obj.state_text

    @admin.action(description="重新发送所选的失败消息")
    def resend(self, request, queryset):
        failed = [d for d in queryset if d.state == Delivery.State.FAILED]
        for delivery in failed:
            services.delivery_resend(delivery=delivery, by=request.user)
        skipped = queryset.count() - len(failed)
        self.message_user(request, f"已重新排队 {len(failed)} 条。", messages.SUCCESS)
        if skipped:
            self.message_user(request, f"{skipped} 条不是“已停止重试”的消息，未处理。", messages.WARNING)
