"""Demo step 140: three monthly bulletins (简报) of autumn 2026, built with the real engine.

The demo's "now" is late November 2026 (docs/demo.md: 2026-2027 term 1; its latest exams are
the 期中 of 10 November). The bulletins are those of the three full months before: August,
September and October 2026, numbered 第8、9、10期 as if the county had published one a month
since January. August and September are published; October is still a draft for staff to
edit and publish. The demo ``leader`` has read August's but not the others, so the leader's
list shows "1 期简报未读" and the unread badge.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from demo import DemoContext, demo_cleanup, demo_step
from reports.models import Bulletin, BulletinRead
from reports.services.bulletins import bulletin_mark_read, bulletin_publish
from schools.models import Backbone, Locality, Student

DEMO_MONTHS = (datetime.date(2026, 8, 1), datetime.date(2026, 9, 1), datetime.date(2026, 10, 1))

NEWS = {
    8: (
        "8月，全县组织中小学教师暑期全员培训，围绕新课程标准、大单元教学和作业设计开展专题研修，"
        "{teachers}名教师分学科参训。各教育集团组织集体备课，牵头学校与结对学校共同制定秋季学期"
        "教学计划。\n\n"
        "局机关会同各乡镇中心学校开展秋季开学安全隐患排查和校舍维修验收。召开2026年秋季学期教育"
        "质量提升工作部署会，印发本学年聚力提质工作要点，明确九年级质量目标并分解到校。"
    ),
    9: (
        "9月，全县{schools}所中小学、幼儿园平稳开学。开展开学工作专项督导，督导组深入各校检查课程"
        "开齐开足、作息时间、食堂和校园安全，发现的问题已下达整改。\n\n"
        "组织七年级入学检测，摸清新生学业基础，为增值评价建立基线。按照交流轮岗安排，新一批城区"
        "骨干教师到乡村学校任教，各教育集团完成本学年结对帮扶计划。"
    ),
    10: (
        "10月，组织九年级联考，全县统一命题、统一阅卷，各校已完成成绩上传，教研室分学科开展质量"
        "分析。开展“四不两直”推门听课，督导员、教研员深入课堂听课并当场反馈。\n\n"
        "召开九年级质量分析会，对照年度目标逐校分析三率一分和综合指数，排名靠后的学校制定提升"
        "方案，由包联领导跟踪落实。"
    ),
}

EXAMPLES = {
    8: (
        "{school}{teacher}老师（{subject}）在暑期研修中牵头编写本学科大单元作业设计案例，在全县"
        "教研活动中作示范交流，相关做法已在教育集团内推广。"
    ),
    9: (
        "{school}{teacher}老师（{subject}）主动承担新学期送教下乡任务，每周到结对学校上示范课、"
        "指导青年教师备课，帮助结对学校理顺了作业分层和课后辅导安排。"
    ),
    10: (
        "{school}{teacher}老师（{subject}）坚持“先学后教、当堂训练”，精选精讲、分层作业，所带班级"
        "在九年级联考中成绩进步明显，学困生帮扶做法值得各校借鉴。"
    ),
}


def _featured_teachers(ctx: DemoContext, count: int) -> list:
    """Backbone teachers of examined subjects, urban first then rural, whose names no student
    shares (the bulletin masks every name that is also a student's)."""
    students = set(Student.objects.values_list("name", flat=True))
    locality = {s.pk: s.locality for s in ctx.schools}
    picked, schools = [], set()
    for wanted in (Locality.URBAN, Locality.RURAL, Locality.TOWN, Locality.URBAN):
        pool = [
            t
            for t in ctx.teachers
            if t.backbone != Backbone.NONE
            and t.subject_id
            and locality.get(t.school_id) == wanted
            and t.school_id not in schools
            and t.name not in students
        ]
        if pool:
            teacher = ctx.rng.choice(sorted(pool, key=lambda t: t.staff_number))
            picked.append(teacher)
            schools.add(teacher.school_id)
        if len(picked) == count:
            break
    return picked


@demo_step(order=140)
def bulletins(ctx: DemoContext) -> None:
    from reports.services.bulletins import bulletin_build, default_title

    staff, leader = ctx.users["staff"], ctx.users["leader"]
    teachers = _featured_teachers(ctx, len(DEMO_MONTHS))
    schools = {s.pk: s for s in ctx.schools}
    subjects = {s.pk: s for s in ctx.subjects.values()}
    made = []
    for i, period in enumerate(DEMO_MONTHS):
        teacher = teachers[i % len(teachers)] if teachers else None
        example = ""
        if teacher is not None:
            example = EXAMPLES[period.month].format(
                school=schools[teacher.school_id].name,
                teacher=teacher.name,
                subject=subjects[teacher.subject_id].name,
            )
        Bulletin.objects.create(
            period=period,
            year=period.year,
            number=period.month,
            title=default_title(),
            news=NEWS[period.month].format(teachers=len(ctx.teachers), schools=len(ctx.schools)),
            examples=example,
            created_by=staff,
        )
        made.append(bulletin_build(period=period, user=staff))
    tz = timezone.get_current_timezone()
    for bulletin in made[:-1]:
        bulletin_publish(bulletin=bulletin, user=staff)
        # Published on the 5th of the next month, 10:00.
        next_month = (bulletin.period + datetime.timedelta(days=32)).replace(day=5)
        at = datetime.datetime.combine(next_month, datetime.time(10), tzinfo=tz)
        Bulletin.objects.filter(pk=bulletin.pk).update(published_at=at)
    oldest = made[0]
    read = bulletin_mark_read(bulletin=Bulletin.objects.get(pk=oldest.pk), user=leader)
    BulletinRead.objects.filter(pk=read.pk).update(
        read_at=datetime.datetime.combine(
            (oldest.period + datetime.timedelta(days=32)).replace(day=6),
            datetime.time(8, 30),
            tzinfo=tz,
        )
    )
    ctx.extra["reports"] = {"bulletins": made}
    states = "、".join(f"{b}（{b.period_label}，{b.pages or 0} 页）" for b in made)
    ctx.log(f"简报 {states}：前两期已发布，最新一期为草稿；leader 已读第一期")


@demo_cleanup(order=140)
def delete_bulletins(ctx: DemoContext) -> None:
    from reports.services.bulletins import bulletin_pdf_path

    for bulletin in Bulletin.objects.all():
        path = bulletin_pdf_path(bulletin)
        if path is not None:
            path.unlink(missing_ok=True)
    Bulletin.objects.all().delete()
