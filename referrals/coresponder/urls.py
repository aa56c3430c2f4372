from django.urls import path

from referrals.coresponder import views

app_name = "coresponder"
urlpatterns = [
    path("", views.encounter_log, name="log"),
    path("encounters/<id:pk>/referral/", views.encounter_refer, name="refer"),
    path("figures/", views.figures, name="figures"),
]
