import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0003_report_keeps_reported_text"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="room",
            name="frozen_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="frozen at"),
        ),
        migrations.AddField(
            model_name="room",
            name="frozen_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="frozen by",
            ),
        ),
        migrations.AlterField(
            model_name="room",
            name="kind",
            field=models.CharField(
                choices=[
                    ("space", "Space room"),
                    ("direct", "Direct conversation"),
                    ("group", "Group conversation"),
                    ("mentorship", "Mentoring conversation"),
                ],
                max_length=10,
                verbose_name="kind",
            ),
        ),
        migrations.AlterField(
            model_name="moderationaction",
            name="action",
            field=models.CharField(
                choices=[
                    ("message_deleted", "Message deleted"),
                    ("member_muted", "Member muted"),
                    ("member_unmuted", "Member unmuted"),
                    ("report_dismissed", "Report dismissed"),
                    ("room_frozen", "Conversation frozen"),
                    ("room_unfrozen", "Conversation unfrozen"),
                ],
                max_length=20,
            ),
        ),
    ]
