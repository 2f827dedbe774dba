from django.urls import path

from . import cancel_views, launcher_views, views

app_name = "scheduling"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("scheduling/", views.live, name="live"),
    path("scheduling/launcher/", launcher_views.launcher, name="launcher"),
    path("scheduling/sessions/new/", views.new_session, name="new_session"),
    path(
        "scheduling/sessions/<int:pk>/cancel/", cancel_views.cancel_session,
        name="cancel_session",
    ),
    path(
        "scheduling/sessions/<int:pk>/cancel/undo/", cancel_views.undo_cancellation,
        name="undo_cancellation",
    ),
    path("scheduling/roster-jobs/<int:job_id>/", views.roster_job, name="roster_job"),
    path(
        "scheduling/roster-jobs/<int:job_id>/again/", views.roster_job_again,
        name="roster_job_again",
    ),
]
