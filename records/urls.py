from django.urls import path

from records import views

urlpatterns = [
    path("personuppgifter/", views.privacy_notice, name="privacy"),
]
