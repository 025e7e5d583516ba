from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views
from .setup_views import PasswordSetView

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/welcome/<uidb64>/<token>/", PasswordSetView.as_view(), name="password_set"),
    path("inbox/", views.inbox, name="inbox"),
    path("setup/", include("fundadmin.setup_urls")),
    path("admin/", admin.site.urls),
    path("projects/", include("projects.urls")),
    path("ledger/", include("ledger.urls")),
    path("supervision/", include("supervision.urls")),
    path("notifications/", include("notifications.urls")),
    path("", include("publicity.urls")),
]

# Chinese error pages with the site's header and a way back (fundadmin/errors.py).
handler400 = "fundadmin.errors.bad_request"
handler403 = "fundadmin.errors.permission_denied"
handler404 = "fundadmin.errors.page_not_found"
handler500 = "fundadmin.errors.server_error"
