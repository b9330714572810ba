from django.urls import path

from regions import views

app_name = "regions"

urlpatterns = [
    path("region/<slug:slug>/", views.region_start, name="start"),
]
