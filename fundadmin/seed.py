"""Reference data every installation starts with: the six spending categories (Art. 8) and the
working-day calendar from chinesecalendar (2004–2026 in version 1.11).

The functions take the model classes as arguments so the data migration can pass its historical
models; both are idempotent. Calendar years already in the database (perhaps corrected by an
administrator) are left as they are.
"""

# Art. 8: the six things the fund may be spent on.
CATEGORIES = [
    (
        1,
        "特困群体服务",
        "为鳏寡孤独、老弱病残、下岗失业等特殊困难群体提供服务；对低收入家庭及因意外、疾病等陷入困境的家庭给予生活、医疗、就学等方面的帮扶。",
    ),
    (
        2,
        "便民利民服务",
        "代办代理服务、公共服务资料印制、便民工具配置、公益讲座和培训；为困难群众提供购物、医疗保健、家政服务、送餐等服务。",
    ),
    (
        3,
        "就业创业服务",
        "开办社区学校和培训基地，开展技能培训，提供就业信息、就业推荐、证照代办，对困难群众创业给予资助。",
    ),
    (4, "物业管理服务", "老旧小区、弃管小区的环境卫生、绿化、照明、保洁、治安及公共设施维护等物业管理服务。"),
    (5, "文体活动服务", "组织文艺演出、比赛、节庆活动，购置健身娱乐器材，租用活动场地，组建文体团队。"),
    (6, "其他方面服务", "表彰宣传模范居民、志愿者和志愿服务团队，以及居民群众急需的其他服务。"),
]


def seed_categories(SpendingCategory) -> None:
    for number, name, description in CATEGORIES:
        SpendingCategory.objects.update_or_create(number=number, defaults={"name": name, "description": description})


CHINESECALENDAR_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}

HOLIDAY, WORKDAY = "holiday", "workday"


def seed_from_chinesecalendar(CalendarYear, SpecialDay) -> list[int]:
    from chinese_calendar import constants

    years = sorted({d.year for d in constants.holidays} | {d.year for d in constants.workdays})
    existing = set(CalendarYear.objects.values_list("year", flat=True))
    seeded = []
    for year in years:
        if year in existing:
            continue
        rows = [(d, HOLIDAY, n) for d, n in constants.holidays.items() if d.year == year]
        rows += [(d, WORKDAY, n) for d, n in constants.workdays.items() if d.year == year]
        SpecialDay.objects.bulk_create(
            [SpecialDay(date=d, kind=k, name=CHINESECALENDAR_NAMES.get(n, n)) for d, k, n in rows]
        )
        CalendarYear.objects.create(year=year, is_published=True, source="chinesecalendar")
        seeded.append(year)
    return seeded
