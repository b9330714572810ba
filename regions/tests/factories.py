import factory
from django.contrib.auth.models import Group

from portal.models import STAFF_GROUP_NAME, User
from regions.models import ContactPerson, Region

PASSWORD = "Behovsinventering-2019"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.se")
    full_name = factory.Sequence(lambda n: f"Person Nummer{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffUserFactory(UserFactory):
    email = factory.Sequence(lambda n: f"handlaggare{n}@example.se")
    is_staff = True

    @factory.post_generation
    def groups(obj, create, extracted, **kwargs):
        if create:
            obj.groups.add(Group.objects.get(name=STAFF_GROUP_NAME))


class ContactPersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactPerson

    user = factory.SubFactory(UserFactory)
    region = factory.LazyFunction(lambda: Region.objects.get(code="12"))
    role = ContactPerson.Role.MAIN
    active = True
