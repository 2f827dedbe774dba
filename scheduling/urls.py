from django.urls import path

from . import views

app_name = "scheduling"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("scheduling/", views.live, name="live"),
    path("scheduling/sessions/new/", views.new_session, name="new_session"),
]
