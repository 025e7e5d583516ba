from django.urls import path

from . import timeline, views
from .indicators import views as indicator_views

app_name = "supervision"

urlpatterns = [
    path("", views.home, name="home"),
    path("c/<slug:community>/trail/", timeline.timeline, name="timeline"),
    path("c/<slug:community>/trail/verify/", timeline.verify, name="verify"),
    path("c/<slug:community>/opinions/", views.opinion_list, name="opinion_list"),
    path("c/<slug:community>/opinions/new/", views.opinion_new, name="opinion_new"),
    path("opinions/<int:pk>/", views.opinion_detail, name="opinion_detail"),
    path("opinions/<int:pk>/answer/", views.opinion_answer, name="opinion_answer"),
    path("committee/<slug:committee>/", views.dashboard, name="dashboard"),
    path("committee/<slug:committee>/<int:year>/", views.dashboard, name="dashboard_year"),
    path("committee/<slug:committee>/<int:year>/reports/", views.report_list, name="report_list"),
    path("c/<slug:community>/report/<int:year>/", views.report_prepare, name="report_prepare"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/evaluate/", views.report_evaluate, name="report_evaluate"),
    path("projects/<int:pk>/dossier.pdf", views.dossier_pdf, name="dossier_pdf"),
    path("projects/<int:pk>/dossier.zip", views.dossier_zip, name="dossier_zip"),
    path("indicators/", indicator_views.indicator_list, name="indicator_list"),
    path("indicators/compute/", indicator_views.indicator_compute, name="indicator_compute"),
    path("indicators/<int:pk>/", indicator_views.indicator_detail, name="indicator_detail"),
    path("indicators/<int:pk>/review/", indicator_views.indicator_review, name="indicator_review"),
    path("city/", indicator_views.city, name="city"),
    path("city/<int:year>/", indicator_views.city, name="city_year"),
]
