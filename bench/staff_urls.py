"""bench/urls.py plus the staff pages' second floor (bench.second_floor) under /_floor2/."""

from django.contrib.auth.decorators import login_required
from django.urls import include, path

from . import second_floor

urlpatterns = [
    path("_floor2/<slug:page>/", login_required(second_floor.view), name="floor2"),
    path("", include("bench.urls")),
]
