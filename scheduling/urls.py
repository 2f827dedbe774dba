from django.urls import path

from . import cancel_views, client_views, history_views, launcher_views, menu_views, views

app_name = "scheduling"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("scheduling/", views.live, name="live"),
    path("scheduling/launcher/", launcher_views.launcher, name="launcher"),
    path("scheduling/sessions/new/", views.new_session, name="new_session"),
    path("scheduling/roster-jobs/<int:job_id>/", views.roster_job, name="roster_job"),
    path(
        "scheduling/roster-jobs/<int:job_id>/again/", views.roster_job_again,
        name="roster_job_again",
    ),
    # The right-click session menu and its actions.
    path("scheduling/sessions/<int:pk>/menu/", menu_views.session_menu, name="session_menu"),
    path("scheduling/sessions/<int:pk>/workers/", menu_views.modify_workers,
         name="modify_workers"),
    path("scheduling/sessions/<int:pk>/workers/options/", menu_views.modify_workers_options,
         name="modify_workers_options"),
    path("scheduling/sessions/<int:pk>/clients/", client_views.modify_clients,
         name="modify_clients"),
    path("scheduling/sessions/<int:pk>/times/", menu_views.modify_times, name="modify_times"),
    path("scheduling/sessions/<int:pk>/activities/", menu_views.modify_activities,
         name="modify_activities"),
    path("scheduling/sessions/<int:pk>/cancel/", cancel_views.cancel_session,
         name="cancel_session"),
    path("scheduling/sessions/<int:pk>/cancel/undo/", cancel_views.undo_cancellation,
         name="undo_cancellation"),
    path("scheduling/sessions/<int:pk>/history/", history_views.session_history,
         name="session_history"),
]
