from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("c/<slug:community>/", views.timeline, name="timeline"),
    path("c/<slug:community>/verify/", views.verify, name="verify"),
]
