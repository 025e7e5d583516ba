"""Needs get a tracking code and a reply period, objections a reply period (issue 13, point 11).

Existing rows get a code each (unique, so not one default for all) and a due date counted the
way the services count it: working days after the day it came in, on the calendar in the
database, weekends alone for a year not yet published (then marked provisional).
"""

import datetime
import secrets

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _deadline(start, n, published, special):
    day, counted, provisional = start, 0, False
    while counted < n:
        day += datetime.timedelta(days=1)
        provisional |= day.year not in published
        kind = special.get(day) if day.year in published else None
        if kind == "holiday":
            continue
        if kind == "workday" or day.weekday() < 5:
            counted += 1
    return day, provisional


def fill(apps, schema_editor):
    CalendarYear = apps.get_model("fundadmin", "CalendarYear")
    SpecialDay = apps.get_model("fundadmin", "SpecialDay")
    Need = apps.get_model("publicity", "Need")
    Objection = apps.get_model("publicity", "Objection")
    published = set(CalendarYear.objects.filter(is_published=True).values_list("year", flat=True))
    special = dict(SpecialDay.objects.values_list("date", "kind"))
    used = set()
    for need in Need.objects.all():
        code = secrets.token_hex(5).upper()
        while code in used:
            code = secrets.token_hex(5).upper()
        used.add(code)
        need.tracking_code = code
        need.reply_due_on, need.reply_due_provisional = _deadline(
            need.received_on, settings.NEED_REPLY_WORKING_DAYS, published, special
        )
        need.save(update_fields=["tracking_code", "reply_due_on", "reply_due_provisional"])
    tz = datetime.timezone(datetime.timedelta(hours=8))  # Asia/Shanghai, no daylight saving
    for objection in Objection.objects.all():
        objection.reply_due_on, objection.reply_due_provisional = _deadline(
            objection.submitted_at.astimezone(tz).date(), settings.OBJECTION_REPLY_WORKING_DAYS, published, special
        )
        objection.save(update_fields=["reply_due_on", "reply_due_provisional"])


class Migration(migrations.Migration):
    dependencies = [
        ("fundadmin", "0003_jobrun"),
        ("publicity", "0003_notice_ends_on_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="need",
            name="reply_due_on",
            field=models.DateField(blank=True, null=True, verbose_name="答复期限"),
        ),
        migrations.AddField(
            model_name="need",
            name="reply_due_provisional",
            field=models.BooleanField(default=False, verbose_name="答复期限为暂定"),
        ),
        migrations.AddField(
            model_name="need",
            name="responded_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="need",
            name="responded_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="need",
            name="response",
            field=models.TextField(blank=True, verbose_name="社区回应"),
        ),
        migrations.AddField(
            model_name="need",
            name="tracking_code",
            field=models.CharField(max_length=12, null=True, verbose_name="查询码"),
        ),
        migrations.AddField(
            model_name="objection",
            name="reply_due_on",
            field=models.DateField(blank=True, null=True, verbose_name="答复期限"),
        ),
        migrations.AddField(
            model_name="objection",
            name="reply_due_provisional",
            field=models.BooleanField(default=False, verbose_name="答复期限为暂定"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
