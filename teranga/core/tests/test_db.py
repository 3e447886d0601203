"""``integrity_constraint``: the violated constraint by its name, on the real database
(SQLite here; PostgreSQL in CI with ``DATABASE_URL``)."""

import pytest
from django.db import IntegrityError, connection, models, transaction
from django.test.utils import isolate_apps

from teranga.core.db import integrity_constraint

pytestmark = pytest.mark.django_db(transaction=True)  # a table of its own (schema editor)


@pytest.fixture
def seat_model():
    with isolate_apps("teranga.core"):

        class Seat(models.Model):
            code = models.CharField(max_length=8, unique=True)
            room = models.CharField(max_length=8)
            number = models.IntegerField()
            holder = models.CharField(max_length=8, blank=True)
            active = models.BooleanField(default=True)

            class Meta:
                app_label = "core"
                constraints = [
                    models.UniqueConstraint(fields=["room", "number"], name="dbt_seat_unique"),
                    models.UniqueConstraint(
                        fields=["holder"],
                        condition=models.Q(active=True) & ~models.Q(holder=""),
                        name="dbt_one_active_per_holder",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(number__gte=1), name="dbt_number_positive"
                    ),
                ]

            def __str__(self) -> str:
                return self.code

    with connection.schema_editor() as editor:
        editor.create_model(Seat)
    yield Seat
    with connection.schema_editor() as editor:
        editor.delete_model(Seat)


def _violation(model_class, /, **values) -> IntegrityError:
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        model_class.objects.create(**values)
    return caught.value


def test_names_each_violated_constraint(seat_model):
    Seat = seat_model
    Seat.objects.create(code="A", room="r1", number=1, holder="ada")

    pair = _violation(Seat, code="B", room="r1", number=1)
    assert integrity_constraint(pair, Seat) == "dbt_seat_unique"

    partial = _violation(Seat, code="C", room="r1", number=2, holder="ada")
    assert integrity_constraint(partial, Seat) == "dbt_one_active_per_holder"

    field = _violation(Seat, code="A", room="r2", number=1)
    assert integrity_constraint(field, Seat) == "code"  # a field's own unique=True

    check = _violation(Seat, code="D", room="r3", number=0)
    assert integrity_constraint(check, Seat) == "dbt_number_positive"

    # The partial constraint does not hold for an inactive seat: no error then.
    Seat.objects.create(code="E", room="r1", number=3, holder="ada", active=False)


def test_another_models_violation_is_not_recognised(seat_model):
    from django.contrib.contenttypes.models import ContentType

    Seat = seat_model
    ContentType.objects.get_or_create(app_label="dbt", model="seat")
    other = _violation(ContentType, app_label="dbt", model="seat")
    assert integrity_constraint(other, Seat) != "dbt_seat_unique"
    assert integrity_constraint(other, Seat) not in {"code", "dbt_one_active_per_holder"}
