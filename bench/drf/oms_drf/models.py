from django.db import models


class ActionLog(models.Model):
    """The table is created and filled by server.sh build (COPY / generate_series), so
    Django does not manage it."""
    id = models.BigAutoField(primary_key=True)
    level = models.IntegerField()
    logger_name = models.CharField(max_length=255)
    message = models.TextField()
    app_name = models.CharField(max_length=64)
    trace = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "action_log"
