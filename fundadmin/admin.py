from decimal import Decimal

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError

from audit.admin import NoDeleteMixin, ReadOnlyAdmin
from audit.services import event_record

from . import onboarding, services
from .forms import ModelForm, MoneyField, SpecificErrorsMixin, VisibleTextMixin
from .models import (
    ActingAssignment,
    CalendarYear,
    Community,
    FundYear,
    JobRun,
    RoleAssignment,
    SpecialDay,
    SpendingCategory,
    User,
    WorkingCommittee,
)

admin.site.site_header = "社区党组织服务群众专项经费管理系统"
admin.site.site_title = "专项经费管理"
admin.site.index_title = "系统管理"


class UserForm(VisibleTextMixin, SpecificErrorsMixin, UserChangeForm):
    """Django's user forms, with messages that name the field and no hidden characters."""


class UserAddForm(VisibleTextMixin, SpecificErrorsMixin, AdminUserCreationForm):
    pass


@admin.register(User)
class UserAdmin(NoDeleteMixin, BaseUserAdmin):
    form = UserForm
    add_form = UserAddForm
    list_display = ["username", "full_name", "email", "is_active", "is_staff", "password_set"]
    search_fields = ["username", "full_name", "email"]
    fieldsets = [*BaseUserAdmin.fieldsets, ("姓名与电话", {"fields": ["full_name", "phone"]})]
    actions = ["send_password_link"]

    @admin.display(description="已设置密码", boolean=True)
    def password_set(self, obj):
        return obj.has_usable_password()

    @admin.action(description="发送设置密码的一次性链接（仅限尚未设置密码的用户）")
    def send_password_link(self, request, queryset):
        sent, skipped = [], []
        for user in queryset.order_by("username"):
            if user.has_usable_password() or not user.email:
                skipped.append(user.username)
                continue
            onboarding.password_link_send(user)  # queued: the worker mails it after this commits
            sent.append(user.username)
        if sent:
            self.message_user(
                request, f"已向 {len(sent)} 位用户发送设置密码的链接：{'、'.join(sent)}（由后台任务进程发出）。"
            )
        if skipped:
            self.message_user(request, f"未发送（已设置密码或没有电子邮箱）：{'、'.join(skipped)}。", messages.WARNING)


class CommunityInline(admin.TabularInline):
    model = Community
    extra = 0
    fields = ["name", "code", "party_committee_name"]
    show_change_link = True

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WorkingCommittee)
class WorkingCommitteeAdmin(NoDeleteMixin, admin.ModelAdmin):
    form = ModelForm  # fundadmin.forms: messages by the field, no hidden characters
    list_display = ["name", "code", "city"]
    inlines = [CommunityInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            services.city_roles_sync()  # city oversight covers the new committee at once


@admin.register(Community)
class CommunityAdmin(NoDeleteMixin, admin.ModelAdmin):
    form = ModelForm  # fundadmin.forms: messages by the field, no hidden characters
    list_display = ["name", "code", "committee"]
    list_filter = ["committee"]
    search_fields = ["name", "code"]


@admin.register(SpendingCategory)
class SpendingCategoryAdmin(NoDeleteMixin, admin.ModelAdmin):
    form = ModelForm  # fundadmin.forms: messages by the field, no hidden characters
    list_display = ["number", "name"]


class FundYearForm(ModelForm):
    # Typed by a person: full-width digits and separators read, "1e5" refused (as every money field).
    allocation = MoneyField(label="年度经费（元）", min_value=Decimal("0"))

    def clean(self):
        data = super().clean()
        allocation = data.get("allocation")
        if self.instance.pk is not None and allocation is not None and allocation != self.instance.allocation:
            # The refusal belongs on the form; save_model would otherwise report success beside it.
            services.allocation_check(self.instance, allocation)
        return data


@admin.register(FundYear)
class FundYearAdmin(NoDeleteMixin, admin.ModelAdmin):
    form = FundYearForm
    list_display = ["community", "year", "allocation", "closed_at"]
    list_filter = ["year", "community__committee"]
    readonly_fields = ["closed_at"]

    def get_readonly_fields(self, request, obj=None):
        return ["community", "year", "closed_at"] if obj else ["closed_at"]

    def save_model(self, request, obj, form, change):
        # Through the service, so the change is validated and lands in the trail.
        try:
            services.fund_year_set_allocation(
                community=obj.community, year=obj.year, allocation=obj.allocation, by=request.user
            )
        except ValidationError as exc:
            self.message_user(request, "；".join(exc.messages), messages.ERROR)


class RoleAssignmentForm(ModelForm):
    def clean(self):
        data = super().clean()
        if self.instance.pk is None and not self.errors and data.get("valid_from"):
            # save_model grants through services.role_grant, which refuses an overlapping
            # assignment; ask the same rule here so the refusal is shown on the form, not a 500.
            services.role_overlap_check(self.instance.__class__(**{k: data.get(k) for k in OVERLAP_FIELDS}))
        return data


OVERLAP_FIELDS = ("user", "role", "community", "committee", "valid_from", "valid_until")


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(NoDeleteMixin, admin.ModelAdmin):
    form = RoleAssignmentForm
    list_display = ["user", "role", "community", "committee", "valid_from", "valid_until", "revoked_at"]
    list_filter = ["role", "committee", "community"]
    search_fields = ["user__username", "user__full_name"]
    actions = ["revoke_selected"]

    def get_readonly_fields(self, request, obj=None):
        # An assignment is never edited after the fact: revoke it and grant a new one.
        if obj:
            return [f.name for f in RoleAssignment._meta.fields]
        return ["granted_by", "granted_at", "revoked_at", "revoked_by", "revoke_reason"]

    def save_model(self, request, obj, form, change):
        if change:
            return
        saved = services.role_grant(
            user=obj.user,
            role=obj.role,
            by=request.user,
            community=obj.community,
            committee=obj.committee,
            valid_from=obj.valid_from,
            valid_until=obj.valid_until,
        )
        obj.pk = saved.pk

    @admin.action(description="撤销所选角色任命（原因：管理员撤销）")
    def revoke_selected(self, request, queryset):
        for assignment in queryset.filter(revoked_at__isnull=True):
            services.role_revoke(assignment=assignment, by=request.user, reason="管理员在后台撤销")


class CalendarChangeMixin:
    """Every calendar edit in the admin counts the stored provisional deadlines again in the
    same transaction (the admin wraps each save in one) and says what moved."""

    def calendar_changed(self, request, what: str) -> None:
        moved = [m for m in services.calendar_changed(by=request.user, reason=f"在后台{what}") if m.moved]
        if moved:
            lines = "；".join(
                f"{m.what}（{m.community}）{m.before.date:%Y-%m-%d} → {m.after.date:%Y-%m-%d}" for m in moved
            )
            self.message_user(request, f"{len(moved)} 项暂定截止日期已重新计算：{lines}", messages.WARNING)


@admin.register(CalendarYear)
class CalendarYearAdmin(CalendarChangeMixin, NoDeleteMixin, admin.ModelAdmin):
    form = ModelForm  # fundadmin.forms: messages by the field, no hidden characters
    list_display = ["year", "is_published", "source", "updated_at"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        event_record(
            action="calendar.year_edit",
            obj=obj,
            actor=request.user,
            changes={"is_published": obj.is_published, "source": obj.source},
        )
        self.calendar_changed(request, f"修改{obj.year}年工作日历年度")


@admin.register(SpecialDay)
class SpecialDayAdmin(CalendarChangeMixin, admin.ModelAdmin):
    form = ModelForm  # fundadmin.forms: messages by the field, no hidden characters
    list_display = ["date", "kind", "name"]
    list_filter = ["kind"]
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        event_record(
            action="calendar.day_edit",
            obj=obj,
            actor=request.user,
            changes={"date": obj.date, "kind": obj.kind, "name": obj.name},
        )
        self.calendar_changed(request, f"修改节假日 {obj.date}")

    def delete_model(self, request, obj):
        event_record(
            action="calendar.day_delete",
            obj=obj,
            actor=request.user,
            changes={"date": obj.date, "kind": obj.kind, "name": obj.name},
        )
        super().delete_model(request, obj)
        self.calendar_changed(request, f"删除节假日 {obj.date}")

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdmin):
    """Who ran each scheduled job, when, and how it ended (fundadmin.jobs). Read-only: a run
    killed outright shows here as 运行中 for its day; docs/scaling.md says how to redo it."""

    list_display = ["job", "period", "outcome", "host", "pid", "started_at", "finished_at"]
    list_filter = ["job", "outcome"]
    search_fields = ["job", "period", "host"]


@admin.register(ActingAssignment)
class ActingAssignmentAdmin(ReadOnlyAdmin):
    """Read here; recorded and ended early on the acting page (系统管理 › 代行职责, /setup/acting/),
    through the service that checks who may act for whom and uploads the written authorisation."""

    list_display = ["user", "principal", "starts_on", "ends_on", "reason", "recorded_by", "revoked_at"]
    list_filter = ["principal__role", "principal__committee"]
    search_fields = ["user__username", "user__full_name", "principal__user__full_name", "reason"]
    readonly_fields = ["authorisation_sha256"]
