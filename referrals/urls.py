from django.urls import path

from referrals import views

app_name = "referrals"
urlpatterns = [
    path("", views.officer_home, name="officer_home"),
    path("mine/", views.my_referrals, name="mine"),
    path("queue/", views.queue, name="queue"),
]
