from django.urls import path

from . import views

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("new/", views.project_create, name="create"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/edit/", views.project_edit, name="edit"),
    path("<int:pk>/act/<slug:action>/", views.project_act, name="act"),
    path("<int:pk>/documents/", views.document_upload, name="document_upload"),
    path("<int:pk>/documents/<int:doc_pk>/", views.document_download, name="document"),
    # The notice board's staff pages post here: what an objection or a repost means for a project.
    path("objections/<int:pk>/decide/", views.objection_decide, name="objection_decide"),
    path("notices/<int:pk>/repost/", views.notice_repost, name="notice_repost"),
]
