from django.contrib import admin

from .models import AuditEvent, Checkpoint, VerificationRun


class NoDeleteMixin:
    """Nothing in this system is deleted from the admin: users are deactivated, roles revoked."""

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(NoDeleteMixin, admin.ModelAdmin):
    """Written by the services only (with their trail events); the admin reads."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: the trail is append-only (Art. 17, 19)."""

    list_display = ["seq", "created_at", "actor_name", "actor_role", "action", "object_repr", "community"]
    list_filter = ["action", "community"]
    search_fields = ["actor_name", "object_repr", "reason"]


@admin.register(VerificationRun)
class VerificationRunAdmin(AuditEventAdmin):
    list_display = ["ran_at", "ran_by", "ok", "verified_through_seq", "first_broken_seq", "message"]
    list_filter = ["ok"]
    search_fields = ["message"]


@admin.register(Checkpoint)
class CheckpointAdmin(ReadOnlyAdmin):
    """Read-only: a checkpoint not yet written out (写出时间 empty) is what the daily job retries."""

    list_display = ["seq", "made_at", "reason", "algorithm", "key_id", "exported_at", "export_name"]
    list_filter = ["reason", "algorithm"]
    search_fields = ["hash", "export_name"]
