from teranga.core.serializers import BaseModelSerializer, BoundedSlugRelatedField

from ..models import Department, Region


class RegionCodeField(BoundedSlugRelatedField):
    """A region, written as its ISO 3166-2:SN code (``DK``)."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="code", model=Region, **kwargs)


class DepartmentSlugField(BoundedSlugRelatedField):
    """A department, written as its slug (``pikine``)."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="slug", model=Department, **kwargs)


class DepartmentSerializer(BaseModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "name", "slug"]


class RegionSerializer(BaseModelSerializer):
    departments = DepartmentSerializer(many=True, read_only=True)

    class Meta:
        model = Region
        fields = ["id", "code", "name", "slug", "departments"]


class RegionRefSerializer(BaseModelSerializer):
    """A region in a compact form, for other resources that point at one."""

    class Meta:
        model = Region
        fields = ["code", "name", "slug"]


class DepartmentRefSerializer(BaseModelSerializer):
    class Meta:
        model = Department
        fields = ["name", "slug"]
