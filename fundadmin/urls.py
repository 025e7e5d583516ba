from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("inbox/", views.inbox, name="inbox"),
    path("admin/", admin.site.urls),
    path("projects/", include("projects.urls")),
    path("ledger/", include("ledger.urls")),
    path("supervision/", include("supervision.urls")),
    path("", include("publicity.urls")),
]

# Chinese error pages with the site's header and a way back (fundadmin/errors.py).
handler400 = "fundadmin.errors.bad_request"
handler403 = "fundadmin.errors.permission_denied"
handler404 = "fundadmin.errors.page_not_found"
handler500 = "fundadmin.errors.server_error"
