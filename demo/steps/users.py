"""Step 30: the demo logins and the schools' liaisons (包联).

``admin``, ``leader``, ``staff``, ``inspector`` and ``principal`` (of the first junior school),
all with the password ``settings.TIZHI_DEMO_PASSWORD``; in the county size also one principal
per other junior school, ``principal_<school code>``. The leader liaises with the county
seat's secondary schools, ``staff`` with every other school.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q

from bureau.models import AccessLog, Role, User
from bureau.services import user_upsert
from demo import DemoContext, demo_cleanup, demo_step
from demo.management.commands.demo_logins import DEMO_USERNAMES
from demo.names import person_name
from schools.models import Locality, School, Stage

PRINCIPAL_PREFIX = "principal_"
_LEADER_STAGES = {Stage.JUNIOR, Stage.COMPLETE, Stage.SENIOR}


@demo_step(order=30)
def users_and_liaisons(ctx: DemoContext) -> None:
    password = settings.TIZHI_DEMO_PASSWORD
    rng = ctx.rng
    people = [
        ("admin", Role.ADMIN, None, "系统管理员"),
        ("leader", Role.LEADER, None, person_name(rng, gender="M", birth_year=1970)),
        ("staff", Role.STAFF, None, person_name(rng, gender="F", birth_year=1982)),
        ("inspector", Role.INSPECTOR, None, person_name(rng, gender="M", birth_year=1975)),
        (
            "principal",
            Role.PRINCIPAL,
            ctx.principal_school.code,
            person_name(rng, gender="M", birth_year=1972),
        ),
    ]
    for username, role, school_code, full_name in people:
        ctx.users[username], _ = user_upsert(
            username=username,
            role=role,
            school_code=school_code,
            password=password,
            full_name=full_name,
        )

    if ctx.county:
        # One hash for all: hashing the same password dozens of times only costs time.
        hashed = ctx.users["principal"].password
        for school in ctx.schools:
            if school.stage != Stage.JUNIOR or school == ctx.principal_school:
                continue
            username = f"{PRINCIPAL_PREFIX}{school.code}"
            User.objects.update_or_create(username=username, defaults={"password": hashed})
            ctx.users[username], _ = user_upsert(
                username=username,
                role=Role.PRINCIPAL,
                school_code=school.code,
                password=None,
                full_name=person_name(rng, gender=rng.choice("MF"), birth_year=1974),
            )

    leader_schools = [
        s.pk for s in ctx.schools if s.locality == Locality.URBAN and s.stage in _LEADER_STAGES
    ]
    School.objects.filter(pk__in=leader_schools).update(liaison=ctx.users["leader"])
    School.objects.exclude(pk__in=leader_schools).update(liaison=ctx.users["staff"])
    for school in ctx.schools:
        school.liaison = ctx.users["leader" if school.pk in leader_schools else "staff"]
    ctx.log(
        f"演示账户 {len(ctx.users)} 个，包联：局领导 {len(leader_schools)} 所、其余由 staff 包联"
    )


def _demo_users() -> Q:
    return Q(username__in=DEMO_USERNAMES) | Q(username__startswith=PRINCIPAL_PREFIX)


@demo_cleanup(order=30)
def delete_demo_users(ctx: DemoContext) -> None:
    """Demo accounts other than superusers go, with their access log (its data goes too)."""
    users = User.objects.filter(_demo_users(), is_superuser=False)
    AccessLog.objects.filter(user__in=users).delete()
    users.delete()
    ctx.log("已删除演示账户")
