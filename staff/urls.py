"""The staff area, included under /handlaggare/ (namespace ``staff``). URL names are a contract."""

from django.urls import path

from staff.views import board, contacts, dialogue, exports, inventory, synthesis

app_name = "staff"

round_prefix = "omgang/<slug:round_slug>/"
region_prefix = round_prefix + "<slug:region_slug>/"

urlpatterns = [
    path("", board.staff_home, name="home"),
    path(round_prefix, board.board, name="board"),
    path(round_prefix + "sammanstallning/", synthesis.synthesis, name="synthesis"),
    path(
        round_prefix + "sammanstallning/insatser/",
        synthesis.synthesis_interventions,
        name="synthesis_interventions",
    ),
    path(round_prefix + "sammanstallning/mal/", synthesis.synthesis_goals, name="synthesis_goals"),
    path(
        round_prefix + "sammanstallning/diagram/<slug:chart>.svg",
        synthesis.synthesis_chart,
        name="synthesis_chart",
    ),
    path(
        round_prefix + "sammanstallning/sok/", synthesis.synthesis_search, name="synthesis_search"
    ),
    path(
        round_prefix + "sammanstallning/jamfor/",
        synthesis.synthesis_compare,
        name="synthesis_compare",
    ),
    path(
        round_prefix + "sammanstallning/rapport/",
        synthesis.synthesis_reports,
        name="synthesis_reports",
    ),
    path(
        round_prefix + "sammanstallning/rapport/<int:report_id>/",
        synthesis.synthesis_report,
        name="synthesis_report",
    ),
    path(
        round_prefix + "sammanstallning/rapport/<int:report_id>/status/",
        synthesis.synthesis_report_status,
        name="synthesis_report_status",
    ),
    path(
        round_prefix + "sammanstallning/rapport/<int:report_id>/sammanstallning.pdf",
        synthesis.synthesis_report_download,
        name="synthesis_report_download",
    ),
    path(round_prefix + "export.xlsx", exports.export_xlsx, name="export_xlsx"),
    path(round_prefix + "export.csv", exports.export_csv, name="export_csv"),
    path(round_prefix + "export-csv.zip", exports.export_csv_zip, name="export_csv_zip"),
    path(round_prefix + "pdf.zip", exports.export_pdf_zip, name="export_pdf_zip"),
    path(region_prefix, inventory.inventory_detail, name="inventory"),
    path(region_prefix + "godkann/", inventory.inventory_accept, name="accept"),
    path(region_prefix + "atersand/", inventory.inventory_return, name="return"),
    path(region_prefix + "forlang/", inventory.deadline_extend, name="extend"),
    path(region_prefix + "anteckningar/", inventory.note_add, name="note_add"),
    path(region_prefix + "tilldela/", inventory.region_assign, name="assign"),
    path(
        region_prefix + "diarienummer/",
        inventory.registration_number_set,
        name="registration_number",
    ),
    path(region_prefix + "historik/", inventory.audit_history, name="audit"),
    path(region_prefix + "dialog/", dialogue.dialogue, name="dialogue"),
    path(region_prefix + "dialog/punkt/", dialogue.item_status, name="item_status"),
    path(region_prefix + "version/<int:number>/", inventory.version_detail, name="version"),
    path(region_prefix + "kontaktpersoner/", contacts.contacts, name="contacts"),
    path(
        region_prefix + "kontaktpersoner/<int:pk>/inaktivera/",
        contacts.contact_deactivate,
        name="contact_deactivate",
    ),
    path(
        region_prefix + "kontaktpersoner/<int:pk>/ersatt/",
        contacts.contact_replace,
        name="contact_replace",
    ),
    path(
        region_prefix + "kontaktpersoner/<int:pk>/bjud-in/",
        contacts.contact_invite,
        name="contact_invite",
    ),
]
