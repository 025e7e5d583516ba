from django.contrib import admin

from fundadmin.admin import ReadOnlyAdmin

from .models import AnnualReport, Opinion, ReminderSent, ReportEvaluation


@admin.register(Opinion)
class OpinionAdmin(ReadOnlyAdmin):
    list_display = ["pk", "community", "subject", "addressed_to", "raised_by_name", "raised_at", "answered_at"]
    list_filter = ["community__committee", "addressed_to", "subject"]


@admin.register(AnnualReport)
class AnnualReportAdmin(ReadOnlyAdmin):
    list_display = ["community", "year", "submitted_by_name", "submitted_at"]
    list_filter = ["year", "community__committee"]


@admin.register(ReportEvaluation)
class ReportEvaluationAdmin(ReadOnlyAdmin):
    list_display = ["report", "score", "grade", "evaluated_by_name", "evaluated_at"]


@admin.register(ReminderSent)
class ReminderSentAdmin(ReadOnlyAdmin):
    list_display = ["day", "user", "email", "item_count", "sent_at"]
    list_filter = ["day"]
