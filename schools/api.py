"""Schools and teachers over the API (SPEC §4): codes and staff numbers as ids."""

from django_filters import rest_framework as filters
from rest_framework import permissions, serializers, viewsets

from bureau import access
from schools.models import Subject

from .models import EducationGroup, School, Teacher, Zone


class ManagersWrite(permissions.BasePermission):
    """Everyone authenticated may read what access.py lets them; only managers write."""

    message = "只有局机关工作人员或管理员可以修改名册。"

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or access.is_manager(request.user)


class SchoolSerializer(serializers.ModelSerializer):
    zone = serializers.SlugRelatedField(
        slug_field="name", queryset=Zone.objects.all(), required=False, allow_null=True
    )
    group = serializers.SlugRelatedField(
        slug_field="name", queryset=EducationGroup.objects.all(), required=False, allow_null=True
    )
    stage_display = serializers.CharField(source="get_stage_display", read_only=True)
    locality_display = serializers.CharField(source="get_locality_display", read_only=True)

    class Meta:
        model = School
        fields = [
            "code",
            "name",
            "stage",
            "stage_display",
            "locality",
            "locality_display",
            "category",
            "township",
            "zone",
            "group",
            "boarding",
            "active",
        ]


class SchoolFilter(filters.FilterSet):
    zone = filters.CharFilter(field_name="zone__name")
    group = filters.CharFilter(field_name="group__name")

    class Meta:
        model = School
        fields = ["stage", "locality", "category", "township", "boarding", "active"]


class SchoolViewSet(viewsets.ModelViewSet):
    serializer_class = SchoolSerializer
    permission_classes = [permissions.IsAuthenticated, ManagersWrite]
    lookup_field = "code"
    filterset_class = SchoolFilter
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return access.schools_for(self.request.user).select_related("zone", "group")

    def get_object(self):
        # The scoped selector: "not yours" and "does not exist" give the same Chinese 404.
        school = access.school_get_for(self.request.user, self.kwargs["code"])
        self.check_object_permissions(self.request, school)
        return school


class TeacherSerializer(serializers.ModelSerializer):
    school = serializers.SlugRelatedField(slug_field="code", queryset=School.objects.all())
    subject = serializers.SlugRelatedField(
        slug_field="name", queryset=Subject.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Teacher
        fields = [
            "staff_number",
            "name",
            "gender",
            "birth_year",
            "school",
            "education",
            "title",
            "backbone",
            "certified",
            "subject",
            "school_since",
            "active",
        ]


class TeacherFilter(filters.FilterSet):
    school = filters.CharFilter(field_name="school__code")
    subject = filters.CharFilter(field_name="subject__name")

    class Meta:
        model = Teacher
        fields = ["gender", "education", "title", "backbone", "certified", "active"]


class TeacherViewSet(viewsets.ModelViewSet):
    serializer_class = TeacherSerializer
    permission_classes = [permissions.IsAuthenticated, ManagersWrite]
    lookup_field = "staff_number"
    filterset_class = TeacherFilter
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return access.teachers_for(self.request.user).select_related("school", "subject")

    def get_object(self):
        teacher = access.teacher_get_for(self.request.user, self.kwargs["staff_number"])
        self.check_object_permissions(self.request, teacher)
        return teacher
