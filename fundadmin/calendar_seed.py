"""Seed the working-day calendar from chinesecalendar, which covers 2004–2026 (version 1.11).

Takes the model classes as arguments so the data migration can pass its historical models.
Years already in the database (perhaps corrected by an administrator) are left as they are.
"""

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
