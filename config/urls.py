from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

handler500 = "config.faults.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("scheduling.urls")),
    path("", include("rostering.urls")),
    path("sessions/", include("sessions_app.urls")),
]
