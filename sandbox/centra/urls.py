from django.urls import path

from . import views

urlpatterns = [
    path("<slug:slug>/graphql", views.graphql_endpoint, name="sandbox-centra-graphql"),
]
