from django.contrib import admin

from fundadmin.admin import ReadOnlyAdmin

from .models import Export


@admin.register(Export)
class ExportAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "key", "state", "progress", "size", "finished_at", "error"]
    list_filter = ["state", "kind"]
