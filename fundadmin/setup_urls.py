from django.urls import path

from . import acting_views, setup_views

app_name = "setup"
urlpatterns = [
    path("city/", setup_views.city, name="city"),
    path("city/apply/", setup_views.city_apply, name="city_apply"),
    path("city/template.xlsx", setup_views.city_template, name="city_template"),
    path("city/export.xlsx", setup_views.city_export, name="city_export"),
    path("calendar/", setup_views.calendar, name="calendar"),
    path("acting/", acting_views.acting, name="acting"),
    path("acting/<int:pk>/end/", acting_views.acting_end, name="acting_end"),
    path("acting/<int:pk>/authorisation/", acting_views.acting_authorisation, name="acting_authorisation"),
]
