"""Acting leaders (代行职责): the page where the system administrator — or, for the committee's
other principal leaders, the working committee's secretary — records who acts for a principal
leader who is away, ends a period early, and where those who read the records of that body open
the written authorisation. Thin: the rules are in ``fundadmin.services.acting_record``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from . import services
from .formats import date_table
from .forms import ActingEndForm, ActingForm
from .models import ActingAssignment, RoleAssignment, User
from .permissions import acting_principals, may_read_acting, may_record_acting
from .roles import PRINCIPAL_ROLES


def _deputies(principals) -> tuple:
    """Everyone who holds, today, a role that may stand in for one of ``principals``, with a label
    naming their roles: 张德明（党工委班子成员，东湖街道社区党工委）."""
    wanted = Q(pk__in=[])
    for role, deputies in PRINCIPAL_ROLES.items():
        mine = principals.filter(role=role)
        wanted |= Q(role__in=deputies, committee__in=mine.values("committee")) | Q(
            role__in=deputies, community__in=mine.values("community")
        )
    rows = (
        RoleAssignment.objects.active()
        .filter(wanted, user__is_active=True)
        .select_related("user", "community", "committee")
        .order_by("user__username", "role")
    )
    labels: dict[int, list[str]] = {}
    for a in rows:
        labels.setdefault(a.user_id, []).append(f"{a.get_role_display()}，{a.scope_label}")
    names = {a.user_id: a.user.display_name for a in rows}
    users = User.objects.filter(pk__in=list(labels)).order_by("username")
    return users, {pk: f"{names[pk]}（{'；'.join(roles)}）" for pk, roles in labels.items()}


def _page(request, form):
    principals = acting_principals(request.user)
    today = timezone.localdate()
    records = (
        # The periods of the principals this person records for, this year's and the last.
        ActingAssignment.objects.filter(
            principal__in=principals.values("pk"), ends_on__gte=today.replace(day=1, month=1, year=today.year - 1)
        )
        .select_related(
            "user", "principal__user", "principal__community", "principal__committee", "recorded_by", "revoked_by"
        )
        .order_by("-starts_on", "-pk")
    )
    return render(
        request,
        "fundadmin/setup/acting.html",
        {"form": form, "records": records, "end_form": ActingEndForm(), "today": today},
    )


def _form(request, data=None, files=None) -> ActingForm:
    principals = acting_principals(request.user).select_related("user", "community", "committee")
    deputies, labels = _deputies(principals)
    return ActingForm(data, files, principals=principals, deputies=deputies, deputy_labels=labels)


def _recorder(request) -> None:
    verdict = may_record_acting(request.user)
    if not verdict:
        raise PermissionDenied(verdict.reason)


@login_required
def acting(request):
    _recorder(request)
    if request.method != "POST":
        return _page(request, _form(request))
    form = _form(request, request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            record = services.acting_record(
                principal=data["principal"],
                user=data["user"],
                by=request.user,
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                reason=data["reason"],
                authorisation=data["authorisation"],
            )
        except (ValidationError, PermissionDenied) as exc:
            for message in exc.messages if isinstance(exc, ValidationError) else [str(exc)]:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                f"已登记：{record.acting_name}（{record.role_label}），"
                f"{date_table(record.starts_on)} 至 {date_table(record.ends_on)}。",
            )
            return redirect("setup:acting")
    return _page(request, form)


@login_required
@require_POST
def acting_end(request, pk: int):
    record = get_object_or_404(ActingAssignment.objects.select_related("principal__user"), pk=pk)
    verdict = may_record_acting(request.user, record.principal)
    if not verdict:
        raise PermissionDenied(verdict.reason)
    form = ActingEndForm(request.POST)
    if form.is_valid():
        try:
            services.acting_end(acting=record, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, f"已提前结束：{record.acting_name}（{record.role_label}）。")
    else:
        messages.error(request, "请填写提前结束的原因。")
    return redirect("setup:acting")


@login_required
@require_GET
def acting_authorisation(request, pk: int):
    record = get_object_or_404(
        ActingAssignment.objects.select_related("principal__community", "principal__committee"), pk=pk
    )
    verdict = may_read_acting(request.user, record)
    if not verdict:
        raise PermissionDenied(verdict.reason)
    response = FileResponse(record.authorisation.open("rb"), content_type=record.authorisation_type)
    response["Content-Disposition"] = content_disposition_header(False, record.authorisation_name)
    return response
