"""The system administrator's pages: onboarding a city from a workbook (fundadmin.onboarding) and
loading a year's working-day calendar. Thin: read the upload, call the service, show the report."""

from __future__ import annotations

import base64
import functools

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import PasswordResetConfirmView
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from audit.services import event_record

from . import onboarding
from .services import calendar_import
from .workdays import CONVENTION_NOTE, year_deadlines

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SESSION_KEY = "fundadmin_onboarding_upload"


def staff_required(view):
    """The same people as the admin site: what these pages do, the admin can do by hand."""

    @login_required
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not (request.user.is_active and request.user.is_staff):
            raise PermissionDenied("只有系统管理员可以使用此页面。")
        return view(request, *args, **kwargs)

    return wrapped


def _download(data: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


# -- onboarding a city ---------------------------------------------------------------------------------


class CityUploadForm(forms.Form):
    file = forms.FileField(
        label="填好的城市数据表（.xlsx）",
        help_text="用本页下载的模板或导出表填写。上传后先显示预览，确认后才导入。",
        error_messages={"required": "请选择要上传的 Excel 文件。"},
    )


def _page(request, **context):
    return render(request, "fundadmin/setup/city.html", {"convention_note": CONVENTION_NOTE, **context})


@staff_required
def city(request):
    if request.method != "POST":
        return _page(request, form=CityUploadForm())
    form = CityUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form=form)
    upload = form.cleaned_data["file"]
    data = upload.read(onboarding.MAX_FILE_BYTES + 1)
    try:
        report = onboarding.city_import(data=data, by=request.user, apply=False)
    except ValidationError as exc:
        form.add_error("file", exc)
        return _page(request, form=form)
    if report.ok and report.changes_anything:
        # Kept for the confirmation only; the apply runs every check again on the same bytes.
        request.session[SESSION_KEY] = {
            "sha256": report.sha256,
            "name": upload.name[:200],
            "data": base64.b64encode(data).decode(),
        }
    else:
        request.session.pop(SESSION_KEY, None)
    return _page(request, form=CityUploadForm(), report=report, filename=upload.name, stage="preview")


@staff_required
@require_POST
def city_apply(request):
    stored = request.session.get(SESSION_KEY)
    if not stored or stored["sha256"] != request.POST.get("sha256"):
        messages.error(request, "没有待确认的导入文件（可能已导入或已过期），请重新上传。")
        return redirect("setup:city")
    report = onboarding.city_import(data=base64.b64decode(stored["data"]), by=request.user, apply=True)
    if report.applied:
        request.session.pop(SESSION_KEY, None)
    return _page(request, form=CityUploadForm(), report=report, filename=stored["name"], stage="applied")


@staff_required
@require_GET
def city_template(request):
    return _download(onboarding.template_workbook(), "城市数据导入模板.xlsx", XLSX)


@staff_required
@require_GET
def city_export(request):
    name = f"城市数据-{timezone.localdate():%Y-%m-%d}.xlsx"
    return _download(onboarding.export_workbook(), name, XLSX)


# -- the working-day calendar --------------------------------------------------------------------------


class CalendarUploadForm(forms.Form):
    file = forms.FileField(
        label="节假日与调休 CSV 文件",
        help_text="表头 date,kind,name；kind 填 holiday（休）或 workday（班）。文件中出现的年份整体替换。",
        error_messages={"required": "请选择要上传的 CSV 文件。"},
    )
    source = forms.CharField(
        label="来源", max_length=200, required=False, help_text="国务院办公厅通知的文号，如 国办发明电〔2026〕X号"
    )


CSV_EXAMPLE = "date,kind,name\n2027-01-01,holiday,元旦\n2027-02-06,workday,春节调休\n"


@staff_required
def calendar(request):
    today = timezone.localdate()
    years = [today.year, today.year + 1]
    context = {
        "convention_note": CONVENTION_NOTE,
        "csv_example": CSV_EXAMPLE,
        "deadlines": [year_deadlines(y) for y in years],
        "form": CalendarUploadForm(),
    }
    if request.method == "POST":
        form = CalendarUploadForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            raw = form.cleaned_data["file"].read(2 * 1024 * 1024 + 1)
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                form.add_error("file", "文件不是 UTF-8 编码的 CSV：请在表格软件中“另存为 CSV UTF-8”。")
            else:
                try:
                    result = calendar_import(
                        text=text, by=request.user, source=form.cleaned_data["source"] or form.cleaned_data["file"].name
                    )
                except ValidationError as exc:
                    for message in exc.messages:
                        form.add_error("file", message)
                else:
                    context.update(result=result, form=CalendarUploadForm())
                    context["deadlines"] = [year_deadlines(y) for y in years]
    return render(request, "fundadmin/setup/calendar.html", context)


# -- new users set their own password ------------------------------------------------------------------


class PasswordSetView(PasswordResetConfirmView):
    """Django's reset-confirm view over our own token (fundadmin.onboarding): the link works once,
    because setting the password changes what the token hashes."""

    template_name = "fundadmin/password_set.html"
    token_generator = onboarding.password_set_token
    success_url = reverse_lazy("login")

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            event_record(
                action="user.password_set",
                obj=form.user,
                actor=form.user,
                object_repr=f"{form.user.display_name} 设置了密码",
                changes={"username": form.user.username},
            )
        messages.success(self.request, "密码已设置，请用用户名和新密码登录。")
        return response
