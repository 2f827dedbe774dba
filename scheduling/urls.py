from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import period_views, views

live_patterns = ([path("", views.live, name="live"), *period_views.urlpatterns], "scheduling")

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.dashboard, name="dashboard"),
    path("scheduling/", include(live_patterns)),
    path("", include("rostering.urls")),
    path("sessions/", include("sessions_app.urls")),
]
