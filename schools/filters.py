"""Filters of the registry pages (django-filter). Querysets come scoped from bureau.access."""

from __future__ import annotations

import django_filters as filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bureau import access
from schools.models import Subject

from .models import (
    Backbone,
    Category,
    Education,
    EducationGroup,
    Gender,
    Locality,
    School,
    Stage,
    Teacher,
    Title,
    Zone,
)
from .structure import AGE_BANDS, birth_years_for_band

ALL = _("全部")
YES_NO = [("yes", _("是")), ("no", _("否"))]


def _yes_no(field: str):
    def apply(queryset, name, value):
        if value in ("yes", "no"):
            return queryset.filter(**{field: value == "yes"})
        return queryset

    return apply


class SchoolFilter(filters.FilterSet):
    q = filters.CharFilter(label=_("名称或代码"), method="search")
    stage = filters.ChoiceFilter(label=_("学段"), choices=Stage.choices, empty_label=ALL)
    locality = filters.ChoiceFilter(label=_("城乡"), choices=Locality.choices, empty_label=ALL)
    township = filters.ChoiceFilter(label=_("乡镇"), choices=[], empty_label=ALL)
    zone = filters.ModelChoiceFilter(
        label=_("协作区"), queryset=Zone.objects.all(), empty_label=ALL
    )
    group = filters.ModelChoiceFilter(
        label=_("教育集团"), queryset=EducationGroup.objects.all(), empty_label=ALL
    )
    boarding = filters.ChoiceFilter(
        label=_("寄宿制"), choices=YES_NO, empty_label=ALL, method=_yes_no("boarding")
    )
    category = filters.ChoiceFilter(label=_("类别"), choices=Category.choices, empty_label=ALL)

    class Meta:
        model = School
        fields = ["q", "stage", "locality", "township", "zone", "group", "boarding", "category"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        townships = (
            self.queryset.exclude(township="")
            .order_by("township")
            .values_list("township", flat=True)
            .distinct()
        )
        self.filters["township"].extra["choices"] = lambda: [(t, t) for t in townships]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value))


BACKBONE_CHOICES = [("any", _("骨干教师（任一级别）")), ("none", _("非骨干"))] + [
    (k, label) for k, label in Backbone.choices if k
]
ACTIVE_CHOICES = [("yes", _("在岗")), ("no", _("不在岗"))]


class TeacherFilter(filters.FilterSet):
    """Teachers visible to the user. Pass ``request`` so that the school list is scoped."""

    q = filters.CharFilter(label=_("姓名或工号"), method="search")
    school = filters.ModelChoiceFilter(
        label=_("学校"), queryset=School.objects.none(), empty_label=ALL
    )
    locality = filters.ChoiceFilter(
        label=_("城乡"), field_name="school__locality", choices=Locality.choices, empty_label=ALL
    )
    subject = filters.ModelChoiceFilter(
        label=_("任教学科"), queryset=Subject.objects.all(), empty_label=ALL
    )
    title = filters.ChoiceFilter(label=_("职称"), choices=Title.choices, empty_label=ALL)
    education = filters.ChoiceFilter(label=_("学历"), choices=Education.choices, empty_label=ALL)
    backbone = filters.ChoiceFilter(
        label=_("骨干"), choices=BACKBONE_CHOICES, empty_label=ALL, method="filter_backbone"
    )
    certified = filters.ChoiceFilter(
        label=_("持证"), choices=YES_NO, empty_label=ALL, method=_yes_no("certified")
    )
    gender = filters.ChoiceFilter(label=_("性别"), choices=Gender.choices, empty_label=ALL)
    age = filters.ChoiceFilter(
        label=_("年龄段"),
        choices=[(key, label) for key, label, _low, _high in AGE_BANDS],
        empty_label=ALL,
        method="filter_age",
    )
    active = filters.ChoiceFilter(
        label=_("在岗"), choices=ACTIVE_CHOICES, empty_label=ALL, method=_yes_no("active")
    )

    class Meta:
        model = Teacher
        fields = [
            "q",
            "school",
            "locality",
            "subject",
            "title",
            "education",
            "backbone",
            "certified",
            "gender",
            "age",
            "active",
        ]

    def __init__(self, data=None, *args, request=None, **kwargs):
        # Active teachers unless the user asks otherwise ("全部" is an explicit empty value).
        if data is not None and "active" not in data:
            data = data.copy()
            data["active"] = "yes"
        super().__init__(data, *args, request=request, **kwargs)
        user = request.user if request is not None else None
        if access.sees_all_schools(user):
            self.filters["school"].queryset = access.schools_for(user).only("code", "name")
        else:
            # A principal's teachers are all of one school: nothing to choose.
            del self.filters["school"]
            del self.filters["locality"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(staff_number__icontains=value))

    def filter_backbone(self, queryset, name, value):
        if value == "any":
            return queryset.exclude(backbone="")
        if value == "none":
            return queryset.filter(backbone="")
        return queryset.filter(backbone=value) if value else queryset

    def filter_age(self, queryset, name, value):
        if not value:
            return queryset
        earliest, latest = birth_years_for_band(value, year=timezone.localdate().year)
        if earliest is not None:
            queryset = queryset.filter(birth_year__gte=earliest)
        if latest is not None:
            queryset = queryset.filter(birth_year__lte=latest)
        return queryset
