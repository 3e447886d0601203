from rest_framework import serializers

from ..models import Department, Region


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "name", "slug"]


class RegionSerializer(serializers.ModelSerializer):
    departments = DepartmentSerializer(many=True, read_only=True)

    class Meta:
        model = Region
        fields = ["id", "code", "name", "slug", "departments"]


class RegionRefSerializer(serializers.ModelSerializer):
    """A region in a compact form, for other resources that point at one."""

    class Meta:
        model = Region
        fields = ["code", "name", "slug"]


class DepartmentRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["name", "slug"]
