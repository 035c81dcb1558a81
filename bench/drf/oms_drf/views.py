"""The action-log API, with the filter backends chosen by OMS_FILTERS at start:

none       DRF's default: no filter backend, unknown query parameters silently ignored
exact      django-filter, exact lookups on level, app_name, logger_name
full       django-filter lookups (below), SearchFilter `search`, OrderingFilter `ordering`
full-sort  full, with the ordering parameter named `sort` (as Akinon names it)

OMS_SEARCH_FIELDS (comma-separated, default message,logger_name,app_name) names the fields
SearchFilter searches: e.g. message,logger_name,app_name,trace for a server whose `search`
also covers the trace.
"""
import os

from django_filters import rest_framework as df
from rest_framework import filters, pagination, serializers, viewsets

from .models import ActionLog

MODE = os.environ.get("OMS_FILTERS", "none")
SEARCH_FIELDS = [f.strip() for f in os.environ.get(
    "OMS_SEARCH_FIELDS", "message,logger_name,app_name").split(",") if f.strip()]
FULL_LOOKUPS = {
    "level": ["exact", "in", "gte", "lte"],
    "app_name": ["exact", "in"],
    "logger_name": ["exact", "in"],
    "id": ["lt", "lte", "gt", "gte"],
    "created_at": ["gte", "lte", "gt", "lt"],
}


class ActionLogSerializer(serializers.ModelSerializer):
    class Meta:
        model = ActionLog
        fields = ["id", "level", "logger_name", "message", "app_name", "trace", "created_at"]


class Pages(pagination.PageNumberPagination):
    """DRF takes one page-size parameter name per pagination class: page_size or limit."""
    page_size = int(os.environ.get("OMS_PAGE_SIZE", "10"))
    page_size_query_param = os.environ.get("OMS_PAGE_SIZE_PARAM", "page_size")
    max_page_size = 1000


class ExactFilter(df.FilterSet):
    class Meta:
        model = ActionLog
        fields = ["level", "app_name", "logger_name"]


class FullFilter(df.FilterSet):
    class Meta:
        model = ActionLog
        fields = FULL_LOOKUPS


class SortFilter(filters.OrderingFilter):
    ordering_param = "sort"


class ActionLogViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = ActionLog.objects.all().order_by("-id")
    serializer_class = ActionLogSerializer
    pagination_class = Pages
    search_fields = SEARCH_FIELDS
    ordering_fields = ["id", "created_at"]
    ordering = ["-id"]
    if MODE == "none":
        filter_backends = []
    elif MODE == "exact":
        filter_backends = [df.DjangoFilterBackend]
        filterset_class = ExactFilter
    elif MODE in ("full", "full-sort"):
        filter_backends = [df.DjangoFilterBackend, filters.SearchFilter,
                           SortFilter if MODE == "full-sort" else filters.OrderingFilter]
        filterset_class = FullFilter
    else:
        raise RuntimeError("OMS_FILTERS must be none, exact, full or full-sort, not %r" % MODE)
    if not set(SEARCH_FIELDS) <= {"message", "logger_name", "app_name", "trace"}:
        raise RuntimeError("OMS_SEARCH_FIELDS names a field the log has not: %r"
                           % ",".join(SEARCH_FIELDS))
