"""Roster workbook (SPEC §2): parsing, reference checks, the all-or-nothing upsert, the CLI."""

import io
import json

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from bureau.models import AcademicYear
from core.errors import DomainError
from core.spreadsheets import Problem, SpreadsheetError
from schools import roster
from schools.models import (
    Backbone,
    Education,
    EducationGroup,
    Gender,
    Locality,
    School,
    SchoolClass,
    Stage,
    Subject,
    Teacher,
    TeachingAssignment,
    Title,
    Zone,
)
from schools.roster import parse_roster
from schools.services.roster import NotAllowed, roster_import

from ..factories import AcademicYearFactory, SchoolFactory, SubjectFactory, TeacherFactory

SCHOOL_HEADER = ["学校代码", "学校名称", "学段", "城乡", "乡镇", "协作区", "教育集团", "寄宿制"]
TEACHER_HEADER = [
    "工号",
    "姓名",
    "性别",
    "出生年份",
    "学校代码",
    "学历",
    "职称",
    "骨干级别",
    "持证",
    "任教学科",
]
CLASS_HEADER = ["学校代码", "年级", "班号", "班主任工号"]
ASSIGNMENT_HEADER = ["学校代码", "年级", "班号", "学科", "教师工号"]


def workbook(sheets: dict[str, list[list]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def clean_roster() -> dict[str, list[list]]:
    """Two schools (one new zone, one new group), three teachers, three classes, four
    assignments; 物理 is a subject the system does not have yet."""
    return {
        "学校": [
            SCHOOL_HEADER,
            [
                "S101",
                "青石镇初级中学",
                "初中",
                "镇区",
                "青石镇",
                "北片协作区",
                "县一中教育集团",
                "是",
            ],
            ["S102", "县实验中学", "初中", "城区", "城关街道", "城区协作区", None, "否"],
        ],
        "教师": [
            TEACHER_HEADER,
            ["JS0001", "刘春梅", "女", 1980, "S101", "本科", "一级", "教学能手", "是", "语文"],
            ["JS0002", "王玉兰", "男", 1973, "S101", "中师", "高级", None, "否", "数学"],
            ["JS0003", "郭红霞", "女", "１９９０", "S102", "研究生", None, "名师", None, "物理"],
        ],
        "班级": [
            CLASS_HEADER,
            ["S101", 9, 1, "JS0001"],
            ["S101", "九年级", 2, None],
            ["S102", "初三", "1班", "JS0003"],
        ],
        "任课": [
            ASSIGNMENT_HEADER,
            ["S101", 9, 1, "语文", "JS0001"],
            ["S101", 9, 2, "语文", "JS0001"],
            ["S101", 9, 1, "数学", "JS0002"],
            ["S102", 9, 1, "物理", "JS0003"],
        ],
    }


@pytest.fixture
def year(db):
    return AcademicYearFactory()


@pytest.fixture
def subjects(db):
    return [SubjectFactory(name="语文"), SubjectFactory(name="数学")]


def run(data, user, *, dry_run=False, name="名册.xlsx"):
    return roster_import(data=data, name=name, user=user, dry_run=dry_run)


# --- the label maps follow the models ------------------------------------------------------


@pytest.mark.parametrize(
    ("labels", "choices"),
    [
        (roster.STAGES, Stage),
        (roster.LOCALITIES, Locality),
        (roster.GENDERS, Gender),
        (roster.EDUCATIONS, Education),
        (roster.TITLES, Title),
        (roster.BACKBONES, Backbone),
    ],
)
def test_every_model_label_maps_to_its_code(labels, choices):
    for code, label in choices.choices:
        assert labels[str(label)] == code
    assert set(labels.values()) <= set(choices.values)


# --- parsing -------------------------------------------------------------------------------


def test_parse_a_clean_roster():
    parsed = parse_roster(workbook(clean_roster()), "xlsx")
    assert parsed.problems == []
    assert [len(parsed.records[s]) for s in roster.SHEETS] == [2, 3, 3, 4]
    assert parsed.header_rows == {"学校": 1, "教师": 1, "班级": 1, "任课": 1}
    assert parsed.schools[0].values == {
        "code": "S101",
        "name": "青石镇初级中学",
        "stage": "junior",
        "locality": "town",
        "township": "青石镇",
        "zone": "北片协作区",
        "group": "县一中教育集团",
        "boarding": True,
    }
    assert parsed.teachers[2].values == {
        "staff_number": "JS0003",
        "name": "郭红霞",
        "gender": "F",
        "birth_year": 1990,
        "school_code": "S102",
        "education": "postgraduate",
        "title": "none",
        "backbone": "master",
        "certified": True,
        "subject": "物理",
    }
    assert [(r["grade"], r["number"]) for r in parsed.classes] == [(9, 1), (9, 2), (9, 1)]


@pytest.mark.parametrize(
    ("cell", "grade"),
    [(7, 7), ("7", 7), ("七年级", 7), ("初一", 7), ("九", 9), ("9年级", 9), ("高二", 11)],
)
def test_grades(cell, grade):
    assert roster.clean_grade(cell) == (grade, None)


@pytest.mark.parametrize("cell", [0, 13, "十三年级", "大一", 7.5])
def test_bad_grades(cell):
    assert roster.clean_grade(cell) == (None, "不是有效的年级")


def test_sheet_names_match_when_normalised_and_title_rows_are_skipped():
    data = workbook(
        {
            " 学 校 ": [
                ["2026年学校基本信息"],
                SCHOOL_HEADER,
                ["S101", "青石镇初级中学", "初中", "镇区", None, None, None, None],
            ],
            "说明": [["这一页不是名册"]],
        }
    )
    parsed = parse_roster(data, "xlsx")
    assert parsed.problems == []
    assert parsed.sheet_names == {"学校": " 学 校 "}
    assert parsed.header_rows == {" 学 校 ": 2}
    assert parsed.schools[0].row == 3


def test_a_csv_is_recognised_by_its_header():
    text = "工号,姓名,性别,出生年份,学校代码,学历\nJS0001,刘春梅,女,1980,S101,本科\n"
    parsed = parse_roster(text.encode("gb18030"), "csv")
    assert parsed.sheet_names == {"教师": "Sheet1"}
    assert parsed.teachers[0]["name"] == "刘春梅"


def test_missing_required_column_names_sheet_and_column():
    data = workbook({"学校": [["学校代码", "学校名称", "城乡"], ["S101", "一中", "城区"]]})
    assert parse_roster(data, "xlsx").problems == [
        Problem("error", "学校", 1, "学段", "", "缺少必填列")
    ]


def test_bad_cells_are_reported_with_sheet_row_column_value():
    rows = clean_roster()
    rows["教师"][1][3] = "1980年"
    rows["教师"][2][2] = "未知"
    rows["教师"][3][1] = None
    parsed = parse_roster(workbook({"教师": rows["教师"]}), "xlsx")
    assert [str(p) for p in parsed.problems] == [
        "教师 第2行「出生年份」列：“1980年” 不是有效的出生年份",
        "教师 第3行「性别」列：“未知” 不是有效的性别（男、女）",
        "教师 第4行「姓名」列：不能为空",
    ]
    assert parsed.teachers == []


def test_duplicate_staff_number_is_an_error_on_the_second_row():
    rows = clean_roster()["教师"]
    rows.append(["JS0001", "刘春梅", "女", 1980, "S101", "本科", "一级", None, "是", "语文"])
    parsed = parse_roster(workbook({"教师": rows}), "xlsx")
    assert parsed.problems == [
        Problem("error", "教师", 5, "工号", "JS0001", "工号重复（与第2行相同）")
    ]


def test_no_roster_sheet_at_all():
    parsed = parse_roster(workbook({"Sheet1": [["随便", "什么"]]}), "xlsx")
    assert [p.message for p in parsed.problems] == [
        "没有找到名册工作表：工作表应命名为 学校、教师、班级 或 任课"
    ]


def test_template_has_the_four_sheets_and_headers():
    book = openpyxl.load_workbook(io.BytesIO(roster.roster_template_xlsx()))
    assert book.sheetnames == ["学校", "教师", "班级", "任课"]
    assert [c.value for c in book["教师"][1]] == TEACHER_HEADER
    assert [c.value for c in book["任课"][1]] == ASSIGNMENT_HEADER
    assert parse_roster(roster.roster_template_xlsx(with_examples=True), "xlsx").problems == []


# --- import --------------------------------------------------------------------------------


def test_clean_roster_imports(staff, year, subjects):
    result = run(workbook(clean_roster()), staff)
    assert result.errors == []
    assert [str(w) for w in result.warnings] == [
        "教师 第4行「任教学科」列：“物理” 学科不存在，导入时将新建"
    ]
    assert result.committed is True
    assert result.as_dict()["sheets"] == {
        "学校": {"rows": 2, "created": 2, "updated": 0, "unchanged": 0},
        "教师": {"rows": 3, "created": 3, "updated": 0, "unchanged": 0},
        "班级": {"rows": 3, "created": 3, "updated": 0, "unchanged": 0},
        "任课": {"rows": 4, "created": 4, "updated": 0, "unchanged": 0},
    }
    assert School.objects.count() == 2
    assert Teacher.objects.count() == 3
    assert SchoolClass.objects.count() == 3
    assert TeachingAssignment.objects.filter(academic_year=year).count() == 4
    assert sorted(Zone.objects.values_list("name", flat=True)) == ["北片协作区", "城区协作区"]
    assert list(EducationGroup.objects.values_list("name", flat=True)) == ["县一中教育集团"]
    assert Subject.objects.filter(name="物理").exists()
    s101 = School.objects.get(code="S101")
    assert (s101.stage, s101.locality, s101.boarding, s101.zone.name) == (
        "junior",
        "town",
        True,
        "北片协作区",
    )
    t2 = Teacher.objects.get(staff_number="JS0002")
    assert (t2.school, t2.education, t2.title, t2.certified, t2.subject.name) == (
        s101,
        "secondary",
        "senior",
        False,
        "数学",
    )
    assert SchoolClass.objects.get(school=s101, grade=9, number=1).head_teacher.name == "刘春梅"
    assert t2.history.first().history_change_reason == "名册导入"
    assert t2.history.first().history_user == staff


def test_reimporting_the_same_file_changes_nothing(staff, year, subjects):
    data = workbook(clean_roster())
    run(data, staff)
    histories = Teacher.history.count()
    result = run(data, staff)
    assert result.committed is True
    assert result.as_dict()["sheets"] == {
        "学校": {"rows": 2, "created": 0, "updated": 0, "unchanged": 2},
        "教师": {"rows": 3, "created": 0, "updated": 0, "unchanged": 3},
        "班级": {"rows": 3, "created": 0, "updated": 0, "unchanged": 3},
        "任课": {"rows": 4, "created": 0, "updated": 0, "unchanged": 4},
    }
    assert result.warnings == []
    assert (School.objects.count(), Teacher.objects.count(), SchoolClass.objects.count()) == (
        2,
        3,
        3,
    )
    assert TeachingAssignment.objects.count() == 4
    assert Teacher.history.count() == histories


def test_changed_rows_are_updated(staff, year, subjects):
    run(workbook(clean_roster()), staff)
    rows = clean_roster()
    rows["教师"][1][6] = "高级"  # JS0001: 一级 → 高级
    rows["任课"][3][4] = "JS0001"  # S101 九(1) 数学: JS0002 → JS0001
    result = run(workbook(rows), staff)
    assert result.as_dict()["sheets"]["教师"] == {
        "rows": 3,
        "created": 0,
        "updated": 1,
        "unchanged": 2,
    }
    assert result.as_dict()["sheets"]["任课"]["updated"] == 1
    assert Teacher.objects.get(staff_number="JS0001").title == "senior"
    maths = TeachingAssignment.objects.get(subject__name="数学")
    assert maths.teacher.staff_number == "JS0001"


def test_one_bad_cell_commits_nothing(staff, year, subjects):
    rows = clean_roster()
    rows["学校"][2][2] = "大学"  # row 3 of 学校
    result = run(workbook(rows), staff)
    assert result.committed is False
    assert [p.as_dict() for p in result.errors] == [
        {
            "level": "error",
            "sheet": "学校",
            "row": 3,
            "column": "学段",
            "value": "大学",
            "message": "不是有效的学段",
        }
    ]
    # Only the bad cell is reported (S102 is still a school listed in the file, so its
    # teachers and classes are not reported as unknown), and nothing is stored.
    assert School.objects.count() == 0
    assert Teacher.objects.count() == 0
    assert SchoolClass.objects.count() == 0
    assert Zone.objects.count() == 0
    assert not Subject.objects.filter(name="物理").exists()


def test_one_bad_cell_when_references_resolve_commits_nothing(staff, year, subjects):
    rows = clean_roster()
    rows["教师"][2][8] = "也许"  # JS0002 持证
    result = run(workbook(rows), staff)
    assert [str(p) for p in result.errors][0] == "教师 第3行「持证」列：“也许” 应填“是”或“否”"
    assert result.committed is False
    assert School.objects.count() == 0


def test_unknown_school_code_in_teachers(staff, year):
    SchoolFactory(code="S001")
    rows = [
        TEACHER_HEADER,
        ["JS0001", "刘春梅", "女", 1980, "S001", "本科", "一级", None, "是", None],
        ["JS0002", "王玉兰", "男", 1973, "S999", "本科", "一级", None, "是", None],
    ]
    result = run(workbook({"教师": rows}), staff)
    assert [p.as_dict() for p in result.errors] == [
        {
            "level": "error",
            "sheet": "教师",
            "row": 3,
            "column": "学校代码",
            "value": "S999",
            "message": "学校代码不存在（学校表和系统中都没有）",
        }
    ]
    assert Teacher.objects.count() == 0


def test_teachers_may_refer_to_schools_already_in_the_database(staff, year):
    SchoolFactory(code="S001")
    rows = [
        TEACHER_HEADER,
        ["JS0001", "刘春梅", "女", 1980, "S001", "本科", "一级", None, "是", None],
    ]
    result = run(workbook({"教师": rows}), staff)
    assert result.committed is True
    assert Teacher.objects.get().school.code == "S001"


def test_unknown_staff_numbers_in_classes_and_assignments(staff, year, subjects):
    rows = clean_roster()
    rows["班级"][2][3] = "JS9999"
    rows["任课"][4][4] = "JS8888"
    result = run(workbook(rows), staff)
    assert [str(p) for p in result.errors] == [
        "班级 第3行「班主任工号」列：“JS9999” 班主任工号不存在（教师表和系统中都没有）",
        "任课 第5行「教师工号」列：“JS8888” 教师工号不存在（教师表和系统中都没有）",
    ]
    assert result.committed is False


def test_assignment_for_a_class_not_listed_creates_it_with_a_warning(staff, year, subjects):
    school = SchoolFactory(code="S001")
    TeacherFactory(staff_number="JS0001", school=school)
    rows = [ASSIGNMENT_HEADER, ["S001", "七年级", 3, "语文", "JS0001"]]
    result = run(workbook({"任课": rows}), staff)
    assert [str(w) for w in result.warnings] == [
        "任课 第2行「班号」列：“3” 班级不存在，导入时将新建"
    ]
    assert result.committed is True
    assignment = TeachingAssignment.objects.get()
    assert (assignment.school_class.grade, assignment.school_class.number) == (7, 3)


def test_assignments_import_on_a_fresh_install_without_any_year(staff, subjects):
    # Even with every academic year deleted, the import makes the year of today and uses it.
    AcademicYear.objects.all().delete()
    school = SchoolFactory(code="S001")
    TeacherFactory(staff_number="JS0001", school=school)
    rows = [ASSIGNMENT_HEADER, ["S001", 9, 1, "语文", "JS0001"]]
    result = run(workbook({"任课": rows}), staff)
    assert result.errors == []
    assert result.committed is True
    today = timezone.localdate()
    start = today.year if today.month >= 9 else today.year - 1
    assignment = TeachingAssignment.objects.select_related("academic_year").get()
    assert assignment.academic_year.name == f"{start}-{start + 1}"


def test_dry_run_writes_nothing(staff, year, subjects):
    result = run(workbook(clean_roster()), staff, dry_run=True)
    assert result.committed is False
    assert result.as_dict()["sheets"]["教师"]["created"] == 3
    assert Teacher.objects.count() == 0
    assert not Subject.objects.filter(name="物理").exists()


@pytest.mark.parametrize("role", ["leader", "inspector", "principal"])
def test_only_managers_may_import(request, role, year):
    user = request.getfixturevalue(role)
    with pytest.raises(NotAllowed) as exc:
        run(workbook(clean_roster()), user)
    assert exc.value.status_code == 403
    assert exc.value.message == "只有系统管理员和局机关人员可以导入名册"


def test_admin_may_import(admin_user, year, subjects):
    assert run(workbook(clean_roster()), admin_user).committed is True


def test_an_unreadable_file_is_a_domain_error(staff):
    with pytest.raises(SpreadsheetError) as exc:
        run(b"not a workbook", staff)
    assert isinstance(exc.value, DomainError)
    assert exc.value.message == "文件内容与扩展名 .xlsx 不符，请上传 Excel 另存的原始文件"


# --- the command line ----------------------------------------------------------------------


def test_cli_prints_json_and_commits(tmp_path, year, subjects, capsys):
    path = tmp_path / "名册.xlsx"
    path.write_bytes(workbook(clean_roster()))
    call_command("import_roster", str(path))
    summary = json.loads(capsys.readouterr().out)
    assert summary["committed"] is True
    assert summary["errors"] == []
    assert summary["sheets"]["教师"] == {"rows": 3, "created": 3, "updated": 0, "unchanged": 0}
    assert Teacher.objects.count() == 3


def test_cli_dry_run(tmp_path, year, subjects, capsys):
    path = tmp_path / "名册.xlsx"
    path.write_bytes(workbook(clean_roster()))
    call_command("import_roster", str(path), "--dry-run")
    assert json.loads(capsys.readouterr().out)["committed"] is False
    assert Teacher.objects.count() == 0


def test_cli_exits_with_status_1_on_errors(tmp_path, year, subjects, capsys):
    # call_command raises CommandError(returncode=1); from manage.py that exits with status 1.
    rows = clean_roster()
    rows["学校"][2][2] = "大学"
    path = tmp_path / "名册.xlsx"
    path.write_bytes(workbook(rows))
    with pytest.raises(CommandError) as exc:
        call_command("import_roster", str(path))
    assert exc.value.returncode == 1
    summary = json.loads(capsys.readouterr().out)
    assert summary["committed"] is False
    assert summary["errors"][0]["message"] == "不是有效的学段"
    assert "\\u" not in json.dumps(summary, ensure_ascii=False)


def test_cli_unreadable_file(tmp_path, db):
    path = tmp_path / "名册.xlsx"
    path.write_text("hello")
    with pytest.raises(CommandError, match="文件内容与扩展名 .xlsx 不符"):
        call_command("import_roster", str(path))
