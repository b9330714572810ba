from django.urls import path

from regions import views

app_name = "regions"

urlpatterns = [
    path("inbjudan/ny/", views.invitation_request, name="invitation_request"),
    path("inbjudan/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
