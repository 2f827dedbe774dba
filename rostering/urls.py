from django.urls import path

from . import validation_views, views

app_name = "rostering"

urlpatterns = [
    path("base-rosters/", views.base_roster_list, name="base_roster_list"),
    path("base-rosters/new/", views.base_roster_create, name="base_roster_create"),
    path("base-rosters/<int:pk>/", views.base_roster_detail, name="base_roster_detail"),
    path("base-rosters/<int:pk>/edit/", views.base_roster_edit, name="base_roster_edit"),
    path(
        "base-rosters/<int:pk>/sessions/new/", views.base_roster_session_create,
        name="base_roster_session_create",
    ),
    path("roster-periods/", views.roster_period_list, name="roster_period_list"),
    path("roster-periods/new/", views.roster_period_create, name="roster_period_create"),
    path("roster-periods/<int:pk>/", views.roster_period_detail, name="roster_period_detail"),
    path("roster-periods/<int:pk>/edit/", views.roster_period_edit, name="roster_period_edit"),
    path(
        "roster-periods/<int:pk>/sessions/new/", views.roster_period_session_create,
        name="roster_period_session_create",
    ),
    path(
        "roster-periods/<int:pk>/generate/", views.roster_period_generate,
        name="roster_period_generate",
    ),
    path(
        "roster-periods/<int:pk>/generation/", views.roster_period_generation,
        name="roster_period_generation",
    ),
    path(
        "roster-periods/<int:pk>/missing/", views.roster_period_missing,
        name="roster_period_missing",
    ),
    path(
        "roster-periods/<int:pk>/validation/", validation_views.validation_panel,
        name="period_validation",
    ),
    path(
        "roster-periods/<int:pk>/validate/", validation_views.validate, name="period_validate"
    ),
    path("roster-periods/<int:pk>/publish/", validation_views.publish, name="period_publish"),
]
