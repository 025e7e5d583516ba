"""The application's URLs plus the floor views (bench.floor) under /_floor/."""

from django.urls import include, path

from . import floor

urlpatterns = [
    path("_floor/<slug:page>/", floor.view, name="floor"),
    path("", include("fundadmin.urls")),
]
