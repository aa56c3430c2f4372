from django.urls import path

from referrals.walkin import views

app_name = "walkin"
urlpatterns = [
    path("", views.start, name="start"),
    path("board/", views.board, name="board"),
    path("<id:pk>/", views.detail, name="detail"),
    path("<id:pk>/accept/", views.accept, name="accept"),
    path("<id:pk>/place/", views.place, name="place"),
    path("<id:pk>/close/", views.close, name="close"),
    path("figures/", views.figures_page, name="figures"),
    path("programs/<id:program_pk>/settings/", views.walkin_settings, name="settings"),
    path("programs/<id:program_pk>/volunteers/", views.volunteer_set, name="volunteer_set"),
]
