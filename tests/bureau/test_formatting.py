from bureau.templatetags.tizhi import grade_name
from core.formatting import mask_name, percent


def test_mask_name_keeps_first_and_last_character():
    assert mask_name("张三") == "张*"
    assert mask_name("张小明") == "张*明"
    assert mask_name("欧阳小明") == "欧**明"
    assert mask_name("王") == "王"
    assert mask_name("") == ""


def test_percent_shows_one_decimal_and_a_dash_for_missing():
    assert percent(0.1234) == "12.3%"
    assert percent(2 / 3) == "66.7%"
    assert percent(None) == "—"
    assert percent(float("nan")) == "—"


def test_grade_name():
    assert grade_name(9) == "九年级"
    assert grade_name("7") == "七年级"
    assert grade_name(10) == "高一"
    assert grade_name("x") == "x"
