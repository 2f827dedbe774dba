from django.urls import path

from . import views

app_name = "sessions_app"

urlpatterns = [
    path("new/", views.session_create, name="create"),
    path("<int:pk>/edit/", views.session_edit, name="edit"),
    path("options/clients/", views.client_options, name="client_options"),
    path("options/workers/", views.worker_options, name="worker_options"),
    path("options/assets/", views.asset_options, name="asset_options"),
]
