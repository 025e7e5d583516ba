from django.urls import path

from . import staff_views, views

app_name = "publicity"

urlpatterns = [
    # The public site (no login).
    path("", views.index, name="index"),
    path("c/<slug:code>/", views.community_board, name="community_board"),
    path("c/<slug:code>/needs/", views.need_list, name="need_list"),
    path("c/<slug:code>/needs/new/", views.need_submit, name="need_submit"),
    path("c/<slug:code>/annual/", views.annual_list, name="annual_list"),
    path("c/<slug:code>/data/<slug:dataset>.<slug:fmt>", views.open_data, name="open_data"),
    path("data/", views.open_data_schema, name="open_data_schema"),
    path("data/city/<int:year>.zip", views.open_data_year, name="open_data_year"),
    path("data/city/<slug:dataset>.<slug:fmt>", views.open_data_city, name="open_data_city"),
    path("notice/<int:pk>/", views.notice_detail, name="notice_detail"),
    path("notice/<int:pk>/pdf/", views.notice_pdf, name="notice_pdf"),
    path("notice/<int:pk>/photo/", views.notice_photo, name="notice_photo"),
    path("notice/<int:pk>/object/", views.objection_submit, name="objection_submit"),
    path("objection/", views.objection_track, name="objection_track"),
    path("need/", views.need_track, name="need_track"),
    path("project/<int:pk>/", views.project_public, name="project_public"),
    path("project/<int:pk>/application-form.pdf", views.application_form_pdf, name="application_form_pdf"),
    path("display/", views.display_mode, name="display_mode"),
    # Staff pages (login; permission-checked).
    path("publicity/c/<slug:code>/notices/", staff_views.notices, name="staff_notices"),
    path("publicity/notice/<int:pk>/correct/", staff_views.notice_correct, name="notice_correct"),
    path("publicity/notice/<int:pk>/withdraw/", staff_views.notice_withdraw, name="notice_withdraw"),
    path("publicity/notice/<int:pk>/photo/", staff_views.notice_photo_upload, name="notice_photo_upload"),
    path("publicity/c/<slug:code>/objections/", staff_views.objections, name="staff_objections"),
    path("publicity/objection/<int:pk>/answer/", staff_views.objection_answer, name="objection_answer"),
    path("publicity/c/<slug:code>/needs/", staff_views.needs, name="staff_needs"),
    path("publicity/c/<slug:code>/needs/new/", staff_views.need_record, name="need_record"),
    path("publicity/need/<int:pk>/not-adopted/", staff_views.need_not_adopted, name="need_not_adopted"),
    path("publicity/need/<int:pk>/respond/", staff_views.need_respond, name="need_respond"),
    path("publicity/c/<slug:code>/annual/<int:year>/", staff_views.annual_review, name="annual_review"),
    path("publicity/committee/<slug:code>/annual/<int:year>/", staff_views.annual_status, name="annual_status"),
]
