"""Once every need has its own code (0004), the code is required and unique. A migration of its
own: on PostgreSQL the rows 0004 updated must be committed before the table is altered."""

from django.db import migrations, models

import publicity.models


class Migration(migrations.Migration):
    dependencies = [("publicity", "0004_needs_tracking_and_reply_periods")]

    operations = [
        migrations.AlterField(
            model_name="need",
            name="tracking_code",
            field=models.CharField(
                default=publicity.models.new_tracking_code, max_length=12, unique=True, verbose_name="查询码"
            ),
        ),
    ]
