"""The staff area, included under /handlaggare/ (namespace ``staff``). URL names are a contract."""

from django.urls import path

from inventories import staff_views as views

app_name = "staff"

round_prefix = "omgang/<slug:round_slug>/"
region_prefix = round_prefix + "<slug:region_slug>/"

urlpatterns = [
    path(round_prefix, views.board, name="board"),
    path(round_prefix + "export.xlsx", views.export_xlsx, name="export_xlsx"),
    path(round_prefix + "export.csv", views.export_csv, name="export_csv"),
    path(round_prefix + "pdf.zip", views.export_pdf_zip, name="export_pdf_zip"),
    path(region_prefix, views.inventory_detail, name="inventory"),
    path(region_prefix + "godkann/", views.inventory_accept, name="accept"),
    path(region_prefix + "atersand/", views.inventory_return, name="return"),
    path(region_prefix + "forlang/", views.deadline_extend, name="extend"),
    path(region_prefix + "historik/", views.audit_history, name="audit"),
    path(region_prefix + "version/<int:number>/", views.version_detail, name="version"),
    path(region_prefix + "kontaktpersoner/", views.contacts, name="contacts"),
    path(
        region_prefix + "kontaktpersoner/<int:pk>/inaktivera/",
        views.contact_deactivate,
        name="contact_deactivate",
    ),
    path(
        region_prefix + "kontaktpersoner/<int:pk>/ersatt/",
        views.contact_replace,
        name="contact_replace",
    ),
    path(
        region_prefix + "kontaktpersoner/<int:pk>/bjud-in/",
        views.contact_invite,
        name="contact_invite",
    ),
]
