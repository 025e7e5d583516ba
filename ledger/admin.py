from django.contrib import admin

from fundadmin.admin import ReadOnlyAdmin
from fundadmin.forms import ModelForm

from .models import CommitmentEntry, FundAccount, JournalEntry
from .services import account_subject_set


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    """Read-only: entries are appended by the services and corrected only by reversal (Art. 17)."""

    list_display = ["fund_year", "voucher_no", "entry_date", "kind", "summary", "debit", "credit", "project"]
    list_filter = ["kind", "fund_year__year", "account__community"]
    search_fields = ["summary", "reference", "reason"]
    list_select_related = ["fund_year__community", "project"]


@admin.register(CommitmentEntry)
class CommitmentEntryAdmin(ReadOnlyAdmin):
    """Read-only: commitments are written by the approval, payment, change, end and close of a
    project (Art. 11, 13), never by hand."""

    list_display = ["fund_year", "entry_date", "kind", "project", "amount", "small_group"]
    list_filter = ["kind", "fund_year__year", "account__community"]
    search_fields = ["summary", "project__number", "project__title"]
    list_select_related = ["fund_year__community", "project"]


@admin.register(FundAccount)
class FundAccountAdmin(admin.ModelAdmin):
    """The subject's name and code may be set (Art. 17); accounts open themselves on first entry."""

    form = ModelForm  # fundadmin.forms: messages by the field, no hidden characters
    list_display = ["community", "subject_code", "subject_name", "created_at"]
    fields = ["community", "subject_name", "subject_code"]
    readonly_fields = ["community"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        account_subject_set(account=obj, subject_name=obj.subject_name, subject_code=obj.subject_code, by=request.user)
