from django.db import migrations

def seed(apps, schema_editor):
    from fundadmin.seed import seed_categories, seed_from_chinesecalendar

    seed_categories(apps.get_model("fundadmin", "SpendingCategory"))
    seed_from_chinesecalendar(apps.get_model("fundadmin", "CalendarYear"), apps.get_model("fundadmin", "SpecialDay"))


class Migration(migrations.Migration):
    dependencies = [("fundadmin", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
