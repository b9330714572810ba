"""URL names are a contract: completeness links, e-mails and tests reverse them."""

from django.urls import path

from inventories import views
from inventories.views import about, attachments, dialogue, documents, start

app_name = "inventories"

prefix = "region/<slug:region_slug>/<slug:round_slug>/"

urlpatterns = [
    path("region/<slug:slug>/", start.region_start, name="start"),
    path(prefix + "om-uppdraget/", about.about, name="about"),
    path(prefix + "del-1/", views.part1, name="part1"),
    path(prefix + "del-2/", views.part2, name="part2"),
    path(prefix + "del-2/ny/", views.intervention_add, name="intervention_add"),
    path(prefix + "del-2/<int:pk>/", views.intervention_edit, name="intervention_edit"),
    path(prefix + "del-2/<int:pk>/ta-bort/", views.intervention_delete, name="intervention_delete"),
    path(prefix + "del-2/<int:pk>/flytta/", views.intervention_move, name="intervention_move"),
    path(prefix + "del-3/", views.part3, name="part3"),
    path(prefix + "del-3/mal/nytt/", views.goal_add, name="goal_add"),
    path(prefix + "del-3/mal/<int:pk>/", views.goal_edit, name="goal_edit"),
    path(prefix + "del-3/mal/<int:pk>/ta-bort/", views.goal_delete, name="goal_delete"),
    path(prefix + "del-3/mal/<int:pk>/flytta/", views.goal_move, name="goal_move"),
    path(prefix + "bilagor/", attachments.attachments, name="attachments"),
    path(prefix + "bilagor/<int:pk>/", attachments.attachment_download, name="attachment_download"),
    path(
        prefix + "bilagor/<int:pk>/ta-bort/",
        attachments.attachment_remove,
        name="attachment_delete",
    ),
    path(prefix + "dialog/", dialogue.dialogue, name="dialogue"),
    path(prefix + "granska/", views.review, name="review"),
    path(prefix + "skicka-in/", views.submit, name="submit"),
    path(prefix + "version/<int:number>/", views.receipt, name="receipt"),
    path(prefix + "version/<int:number>/pdf/", documents.version_pdf, name="version_pdf"),
]
