from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
import hashlib


async def keep_the_old_links(apps, schema_editor):
    """Links already sent keep working until their meeting ends: each meeting's one
    shared token becomes a hashed key without an attendee, and its plaintext goes."""
    Meeting = apps.get_model("models", "Meeting")
    InfoLink = apps.get_model("models", "InfoLink")
    rows = await Meeting.filter(info_token__isnull=False).values_list("id", "info_token")
    for meeting_id, token in rows:
        digest = hashlib.sha256(token.encode()).hexdigest()
        await InfoLink.create(meeting_id=meeting_id, token_hash=digest)


class Migration(migrations.Migration):
    dependencies = [("models", "0004_dashboard_indexes")]

    initial = False

    operations = [
        ops.CreateModel(
            name="InfoLink",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                (
                    "meeting",
                    fields.ForeignKeyField(
                        "models.Meeting",
                        source_field="meeting_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "attendee",
                    fields.ForeignKeyField(
                        "models.Attendee",
                        source_field="attendee_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "infolink",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A key to the participant page /i/<token>, hash only. Each information message",
            },
            bases=["Model"],
        ),
        ops.RunPython(keep_the_old_links),
        ops.RemoveField(model_name="Meeting", name="info_token"),
    ]
