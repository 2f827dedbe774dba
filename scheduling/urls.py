from django.urls import path

from . import views

app_name = "scheduling"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("scheduling/", views.live, name="live"),
    path("scheduling/roster-jobs/<int:job_id>/", views.roster_job, name="roster_job"),
    path(
        "scheduling/roster-jobs/<int:job_id>/again/", views.roster_job_again,
        name="roster_job_again",
    ),
]
