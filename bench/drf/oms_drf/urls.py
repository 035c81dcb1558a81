from django.urls import include, path
from rest_framework.routers import DefaultRouter

from .views import ActionLogViewSet

router = DefaultRouter()
router.register("action_log", ActionLogViewSet, basename="action_log")
urlpatterns = [path("api/v1/oms/logs/", include(router.urls))]
