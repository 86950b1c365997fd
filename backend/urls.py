from django.conf import settings
from django.contrib import admin
from django.urls import path

from backend.core import views as health
from backend.web.metrics import metrics_view
from backend.web.pages import embed_page, embed_script, page, service_worker
from schema.build import schema
from schema.view import graphql_view

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/health", health.ready, name="health"),  # the older name of readiness
    path("api/health/live", health.live, name="health-live"),
    path("api/health/ready", health.ready, name="health-ready"),
    path("metrics", metrics_view, name="metrics"),
    path("graphql", graphql_view(schema, settings.DEBUG), name="graphql"),
    path("", page("site"), name="site"),
    path("manage/<str:code>", page("manage"), name="manage"),
    path("waitlist/<uuid:entry>", page("waitlist"), name="waitlist"),
    path("sw.js", service_worker, name="service-worker"),
    path("embed", embed_page, name="embed"),
    path("embed.js", embed_script, name="embed-script"),
    path("kiosk", page("kiosk"), name="kiosk"),
    path("display/queue", page("display"), name="display"),
    path("t/<uuid:ticket>", page("ticket"), name="ticket"),
    path("staff/", page("staff"), name="staff"),
]
