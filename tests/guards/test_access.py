"""Access guard: every URL pattern is introspected from the resolver. Anonymous visitors reach
only the public pages listed below; for every pattern that names an object, people of another
committee and of a sibling community are refused (403/404). A new URL whose arguments this file
cannot build fails the test, so a private page cannot be added without deciding who may see it."""

from __future__ import annotations

import re

from django.apps import apps
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from fundadmin.roles import ROLE_SCOPE, Role, ScopeLevel
from projects import process
from tests.factories import CommunityFactory, user_with_role

# The public site (SPEC.md: residents read notices and raise objections with no login).
PUBLIC = {
    "login",
    "publicity:index",
    "publicity:community_board",
    "publicity:need_list",
    "publicity:need_submit",
    "publicity:annual_list",
    "publicity:open_data",
    "publicity:open_data_schema",
    "publicity:open_data_city",
    "publicity:open_data_year",
    "publicity:notice_detail",
    "publicity:notice_pdf",
    "publicity:notice_photo",
    "publicity:objection_submit",
    "publicity:objection_track",
    "publicity:need_track",
    "publicity:display_mode",
    "publicity:project_public",
    # A new user's one-time link to set their own password (fundadmin.onboarding): reached before
    # the person has any password; a link that is not a valid token only says it is spent.
    "password_set",
}
# Django admin's own sign-in pages; every other admin page redirects to them.
ADMIN_AUTH = {"admin:login", "admin:logout"}
# Pages whose arguments name no object (a year): each shows the person's own scope, which
# test_city_view_shows_only_ones_own_committees checks instead.
OWN_SCOPE = {"supervision:city_year"}
REFUSED = {403, 404}


def patterns(resolver=None, prefix="", namespace=""):
    """(name, route, converter kwargs) for every URL pattern, namespaces included."""
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from patterns(p, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            keys = list(p.pattern.regex.groupindex)
            yield f"{namespace}{p.name}" if p.name else None, prefix + str(p.pattern), keys


def supervision_objects(world) -> dict:
    if not apps.is_installed("supervision"):
        return {}
    from supervision import services
    from supervision.models import Opinion

    a = world.a
    opinion = services.opinion_record(
        community=a.community,
        by=a.people[Role.SUPERVISOR],
        subject=Opinion.Subject.PROJECT,
        addressed_to=Opinion.Addressee.COMMUNITY,
        text="请补充验收照片",
        project=a.projects["closed"],
    )
    report = services.annual_report_submit(
        fund_year=a.fund_year, by=a.people[Role.COMMUNITY_SECRETARY], narrative="全年工作总结"
    )
    # An integrity indicator in each community (Art. 19): with the bar at 95%, the closed
    # projects' 28-of-30 satisfaction fires "paid after low satisfaction".
    from supervision.indicators.kinds import Kind
    from supervision.indicators.services import indicators_compute
    from supervision.models import Finding

    with override_settings(INTEGRITY_INDICATORS={**settings.INTEGRITY_INDICATORS, "low_satisfaction_percent": 95}):
        indicators_compute()
    finding = Finding.objects.get(kind=Kind.LOW_SATISFACTION_PAID, community=a.community)
    other = Finding.objects.get(kind=Kind.LOW_SATISFACTION_PAID, community=world.b.community)
    return {"opinion": opinion.pk, "report": report.pk, "finding": finding.pk, "finding_b": other.pk}


def notification_objects(world) -> dict:
    """A line in the in-app list of someone in community A (the fan-out the worker runs)."""
    from audit.models import AuditEvent
    from notifications.models import Notification
    from notifications.services import notify_fan_out

    event = AuditEvent.objects.filter(project_id=world.a.projects["closed"].pk, action="project.close").get()
    notify_fan_out(event.pk)
    return {"notification": Notification.objects.filter(event=event).values_list("pk", flat=True).first()}


def acting_objects(world) -> dict:
    """An acting period in community A: a community Party committee member acts for its secretary
    (fundadmin.services.acting_record), recorded by the system administrator."""
    import datetime as dt

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from fundadmin.models import RoleAssignment
    from fundadmin.services import acting_record
    from tests.projects.helpers import PDF

    a = world.a
    today = timezone.localdate()
    acting = acting_record(
        principal=RoleAssignment.objects.active().get(user=a.people[Role.COMMUNITY_SECRETARY]),
        user=a.people[Role.COMMUNITY_MEMBER],
        by=user_with_role(Role.SYSTEM_ADMIN, None),
        starts_on=today,
        ends_on=today + dt.timedelta(days=3),
        reason="外出学习",
        authorisation=SimpleUploadedFile("授权书.pdf", PDF),
    )
    return {"acting": acting.pk}


def url_kwargs(name: str, keys: list[str], world, extra: dict) -> dict:
    """Arguments naming community A's objects, by URL name and argument name."""
    a = world.a
    project = a.projects["closed"]
    pk_by_name = {
        "ledger:entry_reverse": world.entry.pk,
        "publicity:objection_submit": world.notice.pk,
        "publicity:objection_answer": world.objection.pk,
        "projects:objection_decide": world.objection.pk,
        "publicity:need_not_adopted": world.need.pk,
        "publicity:need_respond": world.need.pk,
        "publicity:project_public": project.pk,
        "publicity:application_form_pdf": project.pk,
        "supervision:opinion_detail": extra.get("opinion"),
        "supervision:opinion_answer": extra.get("opinion"),
        "supervision:report_detail": extra.get("report"),
        "supervision:report_evaluate": extra.get("report"),
        "supervision:dossier_pdf": project.pk,
        "supervision:indicator_detail": extra.get("finding"),
        "supervision:indicator_review": extra.get("finding"),
        "supervision:dossier_zip": project.pk,
        "notifications:open": extra.get("notification"),
        "setup:acting_end": extra.get("acting"),
        "setup:acting_authorisation": extra.get("acting"),
    }
    out = {}
    for key in keys:
        if key == "pk":
            if name.startswith("projects:"):
                value = project.pk
            elif name.startswith("publicity:notice"):
                value = world.notice.pk
            else:
                value = pk_by_name.get(name)
        elif key == "doc_pk":
            value = world.document.pk
        elif key == "action":
            value = process.STEPS[0].verb
        elif key == "code":
            value = a.community.committee.code if "committee/" in resolve_hint(name) else a.community.code
        elif key == "community":
            value = a.community.code
        elif key == "committee":
            value = a.community.committee.code
        elif key == "year":
            value = a.fund_year.year
        elif key == "dataset":
            value = "projects"
        elif key == "fmt":
            value = "json"
        elif key == "uidb64":
            value = "MQ"
        elif key == "token":
            value = "not-a-token"
        else:
            value = None
        assert value is not None, f"{name}: no value for <{key}> — add it to tests/guards/test_access.py"
        out[key] = value
    return out


_ROUTES: dict[str, str] = {}


def resolve_hint(name: str) -> str:
    if not _ROUTES:
        _ROUTES.update((n, r) for n, r, _ in patterns() if n)
    return _ROUTES[name]


def admin_kwargs(keys, world) -> dict:
    fill = {"object_id": str(world.a.projects["closed"].pk), "app_label": "fundadmin", "content_type_id": 1}
    return {k: fill.get(k, "x") for k in keys}


def requests_for(client: Client, url: str):
    yield "GET", client.get(url)
    yield "POST", client.post(url, {})


def is_login_redirect(response) -> bool:
    if response.status_code not in (301, 302):
        return False
    location = response.headers["Location"]
    return location.startswith(resolve_url(settings.LOGIN_URL)) or location.startswith("/admin/login/")


def fill(route: str, kwargs: dict) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), route)


def all_urls(world):
    """(name, url, names an object?) for every pattern; unnamed ones are allowed only in the admin."""
    extra = supervision_objects(world) | notification_objects(world) | acting_objects(world)
    for name, route, keys in patterns():
        if name is None or name.startswith("admin:"):
            assert route.startswith("admin/"), f"unnamed URL pattern {route!r}"
            kwargs = admin_kwargs(keys, world)
            url = reverse(name, kwargs=kwargs) if name else fill(route, kwargs)
            name = name or f"admin:{route}"
        else:
            url = reverse(name, kwargs=url_kwargs(name, keys, world, extra))
        yield name, url, bool(keys)


def test_anonymous_reaches_only_public_pages(world):
    client = Client()
    wrong = []
    seen = set()
    for name, url, _ in all_urls(world):
        seen.add(name)
        for method, response in requests_for(client, url):
            if name in ADMIN_AUTH:
                continue
            if name in PUBLIC:
                if response.status_code >= 500 or is_login_redirect(response):
                    wrong.append(f"public {name} {method} {url} -> {response.status_code}")
            elif not (is_login_redirect(response) or response.status_code in {*REFUSED, 405}):
                wrong.append(f"private {name} {method} {url} -> {response.status_code}")
    assert not wrong, "\n".join(wrong)
    assert seen >= PUBLIC, f"public pages no longer routed: {PUBLIC - seen}"


def test_drafts_are_not_public(world):
    client = Client()
    draft = world.a.projects["draft"]
    assert client.get(f"/project/{draft.pk}/").status_code == 404
    assert client.get(f"/project/{world.a.projects['closed'].pk}/").status_code == 200


def outsiders(world):
    """Everyone of community B (another committee), and the community-level roles of a sibling
    community under A's own committee."""
    yield from world.b.people.items()
    sibling = CommunityFactory(committee=world.a.community.committee)
    for role, level in ROLE_SCOPE.items():
        if level == ScopeLevel.COMMUNITY:
            yield role, user_with_role(role, sibling)


def test_other_community_or_committee_is_refused(world):
    urls = [(n, u) for n, u, has_kwargs in all_urls(world) if has_kwargs and n not in PUBLIC | ADMIN_AUTH | OWN_SCOPE]
    wrong = []
    for role, user in outsiders(world):
        client = Client()
        client.force_login(user)
        for name, url in urls:
            answers = list(requests_for(client, url))
            if all(r.status_code == 405 for _, r in answers):
                wrong.append(f"{name} {url}: neither GET nor POST is allowed, nothing was checked")
            for method, response in answers:
                if response.status_code == 405:
                    ok = True  # the other method is the one to check
                elif name.startswith("admin:"):
                    ok = is_login_redirect(response) or response.status_code in REFUSED
                else:
                    ok = response.status_code in REFUSED
                if not ok:
                    wrong.append(f"{role} of other side: {name} {method} {url} -> {response.status_code}")
    assert not wrong, "\n".join(wrong)


# -- city oversight (Art. 5, 21): reads every committee, acts in none ---------------------------------

# Pages that are forms for acting: a city user asking for one is refused, not shown a form.
ACTING_FORMS = {
    "projects:create",
    "projects:edit",
    "publicity:need_record",
    "supervision:opinion_new",
    "supervision:report_prepare",
    "ledger:appropriation_new",
    "ledger:fund_year_close",
}
# Sign-in and the person's own password: not the process.
OWN_ACCOUNT = {"login", "logout", "password_change", "password_change_done"}


def _database() -> dict[str, list]:
    """Every row of every table but sessions and login attempts, to compare before and after.
    Documents rendered for a reader (exports: the dossier, the account book, made by the worker
    on a GET and kept until their data changes) and the task queue behind them are reading, not
    acting, and are left out too."""
    skip = ("sessions", "axes", "exports", "django_tasks_db")
    return {
        m._meta.label: list(m._base_manager.order_by("pk").values())
        for m in apps.get_models()
        if m._meta.app_label not in skip
    }


def test_city_oversight_reads_both_committees(world):
    from fundadmin.models import User

    city = user_with_role(Role.CITY_OVERSIGHT, None)
    city = User.objects.get(pk=city.pk)
    client = Client()
    client.force_login(city)
    extra = supervision_objects(world)
    reads = []
    for side in (world.a, world.b):
        code, committee, year = side.community.code, side.community.committee.code, side.fund_year.year
        project = side.projects["closed"]
        reads += [
            f"/projects/{project.pk}/",
            f"/ledger/{code}/{year}/",
            f"/ledger/committee/{committee}/{year}/",
            reverse("supervision:timeline", args=[code]),
            reverse("supervision:dashboard", args=[committee]),
            reverse("supervision:report_list", args=[committee, year]),
            reverse("supervision:opinion_list", args=[code]),
            reverse("publicity:staff_objections", args=[code]),
            reverse("publicity:annual_status", args=[committee, year]),
        ]
    reads += [
        reverse("supervision:city"),
        reverse("supervision:indicator_list"),
        reverse("supervision:indicator_detail", args=[extra["finding"]]),
        reverse("supervision:indicator_detail", args=[extra["finding_b"]]),
        reverse("supervision:opinion_detail", args=[extra["opinion"]]),
        reverse("supervision:report_detail", args=[extra["report"]]),
        "/projects/",
        "/ledger/",
        "/inbox/",
    ]
    wrong = [f"{url} -> {r.status_code}" for url in reads if (r := client.get(url)).status_code != 200]
    assert not wrong, "\n".join(wrong)
    body = client.get(reverse("supervision:city")).content.decode()
    assert world.a.community.name in body and world.b.community.name in body


def test_city_oversight_never_acts(world):
    """Every URL of the application, GET and POST, for the city role: nothing is written, and no
    page that acts answers with anything but a refusal."""
    from fundadmin.models import User

    city = User.objects.get(pk=user_with_role(Role.CITY_OVERSIGHT, None).pk)
    urls = [(n, u) for n, u, _ in all_urls(world) if n not in PUBLIC | ADMIN_AUTH | OWN_ACCOUNT]
    assert {n for n, _ in urls} >= ACTING_FORMS, ACTING_FORMS - {n for n, _ in urls}
    client = Client()
    client.force_login(city)
    before = _database()
    wrong = []
    for name, url in urls:
        get = client.get(url)
        if get.status_code >= 500 or (is_login_redirect(get) and not name.startswith("admin:")):
            wrong.append(f"GET {name} {url} -> {get.status_code}")
        if name in ACTING_FORMS and get.status_code == 200:
            wrong.append(f"GET {name} {url} offers a form")
        # Some read pages answer a POST as a GET, and some refusals redirect with the reason:
        # what must hold is that nothing at all is written.
        post = client.post(url, {})
        if post.status_code >= 500:
            wrong.append(f"POST {name} {url} -> {post.status_code}")
    assert not wrong, "\n".join(wrong)
    after = _database()
    changed = [label for label in before if before[label] != after[label]]
    assert not changed, f"the city role changed: {changed}"


def test_city_view_shows_only_ones_own_committees(world):
    """A working committee's staff compare their own communities; the city view of another
    committee's staff never names community A."""
    for role, user in world.b.people.items():
        client = Client()
        client.force_login(user)
        response = client.get(reverse("supervision:city_year", args=[2026]))
        if ROLE_SCOPE[role] == ScopeLevel.COMMUNITY:
            assert response.status_code in REFUSED, role
        else:
            assert response.status_code == 200, role
            body = response.content.decode()
            assert world.b.community.name in body and world.a.community.name not in body, role
