from django.urls import path

from . import views

app_name = "ledger"

urlpatterns = [
    path("", views.index, name="index"),
    path("committee/<slug:committee>/<int:year>/", views.committee, name="committee"),
    path("entries/<int:pk>/reverse/", views.entry_reverse, name="entry_reverse"),
    path("<slug:community>/<int:year>/", views.book, name="book"),
    path("<slug:community>/<int:year>/book.xlsx", views.book_xlsx, name="book_xlsx"),
    path("<slug:community>/<int:year>/book.pdf", views.book_pdf, name="book_pdf"),
    path("<slug:community>/<int:year>/appropriation/", views.appropriation_new, name="appropriation_new"),
    path("<slug:community>/<int:year>/close/", views.fund_year_close, name="fund_year_close"),
]
