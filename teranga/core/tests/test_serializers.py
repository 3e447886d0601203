"""``core.serializers.FastRepresentationMixin`` answers exactly what DRF's own
``to_representation`` answers, for every way a field finds its value."""

from types import SimpleNamespace

from rest_framework import serializers

from teranga.core.serializers import Serializer


class Inner(Serializer):
    name = serializers.CharField()


class Everything(Serializer):
    plain = serializers.CharField()
    dotted = serializers.CharField(source="owner.name")
    through_none = serializers.CharField(source="missing.name", allow_null=True)
    defaulted = serializers.CharField(source="absent", default="fallback")
    optional = serializers.CharField(source="nowhere", required=False)
    called = serializers.IntegerField(source="count")
    method = serializers.SerializerMethodField()
    nested = Inner(source="owner")
    nested_none = Inner(source="missing", allow_null=True)
    many = Inner(source="friends", many=True)
    whole = serializers.CharField(source="*")
    secret = serializers.CharField(write_only=True)

    def get_method(self, obj) -> str:
        return "m"


class Row(SimpleNamespace):
    def count(self) -> int:
        return 7

    def __str__(self) -> str:
        return "row"


def drf(serializer, instance) -> dict:
    return dict(serializers.Serializer.to_representation(serializer, instance))


def test_same_output_as_drf_for_objects_and_mappings():
    rows = [
        Row(
            plain="a",
            owner=SimpleNamespace(name="Awa"),
            missing=None,
            friends=[SimpleNamespace(name="Fatou"), SimpleNamespace(name="Moussa")],
        ),
        Row(plain="", owner=SimpleNamespace(name=""), missing=None, friends=[]),
    ]
    serializer = Everything()
    for row in rows:
        assert serializer.to_representation(row) == drf(serializer, row)
    mapping = {
        "plain": "p",
        "owner": {"name": "Dict"},
        "missing": None,
        "count": 3,
        "friends": [],
        "absent": "there",
        "nowhere": "here",
    }
    assert serializer.to_representation(mapping) == drf(serializer, mapping)
    answer = serializer.to_representation(rows[0])
    assert answer["through_none"] is None
    assert answer["defaulted"] == "fallback"
    assert "optional" not in answer and "secret" not in answer
    assert answer["called"] == 7 and answer["whole"] == "row"
    assert answer["nested"] == {"name": "Awa"} and answer["nested_none"] is None
    assert answer["many"] == [{"name": "Fatou"}, {"name": "Moussa"}]


def test_many_rows_through_the_list_serializer():
    rows = [
        Row(plain=str(n), owner=SimpleNamespace(name=f"n{n}"), missing=None, friends=[])
        for n in range(5)
    ]
    fast = Everything(rows, many=True).data
    assert [dict(item) for item in fast] == [drf(Everything(), row) for row in rows]
