from django.db import migrations

# Art. 8: the six things the fund may be spent on.
CATEGORIES = [
    (1, "特困群体服务", "为鳏寡孤独、老弱病残、下岗失业等特殊困难群体提供服务；对低收入家庭及因意外、疾病等陷入困境的家庭给予生活、医疗、就学等方面的帮扶。"),
    (2, "便民利民服务", "代办代理服务、公共服务资料印制、便民工具配置、公益讲座和培训；为困难群众提供购物、医疗保健、家政服务、送餐等服务。"),
    (3, "就业创业服务", "开办社区学校和培训基地，开展技能培训，提供就业信息、就业推荐、证照代办，对困难群众创业给予资助。"),
    (4, "物业管理服务", "老旧小区、弃管小区的环境卫生、绿化、照明、保洁、治安及公共设施维护等物业管理服务。"),
    (5, "文体活动服务", "组织文艺演出、比赛、节庆活动，购置健身娱乐器材，租用活动场地，组建文体团队。"),
    (6, "其他方面服务", "表彰宣传模范居民、志愿者和志愿服务团队，以及居民群众急需的其他服务。"),
]


def seed(apps, schema_editor):
    SpendingCategory = apps.get_model("fundadmin", "SpendingCategory")
    for number, name, description in CATEGORIES:
        SpendingCategory.objects.update_or_create(number=number, defaults={"name": name, "description": description})

    from fundadmin.calendar_seed import seed_from_chinesecalendar

    seed_from_chinesecalendar(apps.get_model("fundadmin", "CalendarYear"), apps.get_model("fundadmin", "SpecialDay"))


class Migration(migrations.Migration):
    dependencies = [("fundadmin", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
