from django.db import migrations

REGIONS = [
    ("01", "Region Stockholm", "Stockholms län", "region-stockholm"),
    ("03", "Region Uppsala", "Uppsala län", "region-uppsala"),
    ("04", "Region Sörmland", "Södermanlands län", "region-sormland"),
    ("05", "Region Östergötland", "Östergötlands län", "region-ostergotland"),
    ("06", "Region Jönköpings län", "Jönköpings län", "region-jonkopings-lan"),
    ("07", "Region Kronoberg", "Kronobergs län", "region-kronoberg"),
    ("08", "Region Kalmar län", "Kalmar län", "region-kalmar-lan"),
    ("09", "Region Gotland", "Gotlands län", "region-gotland"),
    ("10", "Region Blekinge", "Blekinge län", "region-blekinge"),
    ("12", "Region Skåne", "Skåne län", "region-skane"),
    ("13", "Region Halland", "Hallands län", "region-halland"),
    ("14", "Västra Götalandsregionen", "Västra Götalands län", "vastra-gotalandsregionen"),
    ("17", "Region Värmland", "Värmlands län", "region-varmland"),
    ("18", "Region Örebro län", "Örebro län", "region-orebro-lan"),
    ("19", "Region Västmanland", "Västmanlands län", "region-vastmanland"),
    ("20", "Region Dalarna", "Dalarnas län", "region-dalarna"),
    ("21", "Region Gävleborg", "Gävleborgs län", "region-gavleborg"),
    ("22", "Region Västernorrland", "Västernorrlands län", "region-vasternorrland"),
    ("23", "Region Jämtland Härjedalen", "Jämtlands län", "region-jamtland-harjedalen"),
    ("24", "Region Västerbotten", "Västerbottens län", "region-vasterbotten"),
    ("25", "Region Norrbotten", "Norrbottens län", "region-norrbotten"),
]


def load(apps, schema_editor):
    Region = apps.get_model("regions", "Region")
    for code, name, county, slug in REGIONS:
        Region.objects.update_or_create(
            code=code, defaults={"name": name, "county_name": county, "slug": slug, "active": True}
        )


def unload(apps, schema_editor):
    apps.get_model("regions", "Region").objects.filter(code__in=[r[0] for r in REGIONS]).delete()


class Migration(migrations.Migration):
    dependencies = [("regions", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
