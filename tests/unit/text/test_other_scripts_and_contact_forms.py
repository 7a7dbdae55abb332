"""Identifiers the DICOM red team hid in free text of other scripts and in contact details written to dodge a
filter: Chinese, Japanese, Korean, Greek and Turkish street addresses, CJK name fields, a phone number glued to its
Chinese label, a fax with a slash, an email with [at] and [dot]."""

from __future__ import annotations

import pytest

from aiminer.text.report import scrub_text


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("住址 浙江省杭州市西湖区文三路478号", "文三路478"),
        ("地址 北京市 东城区 东四十条甲22号3门401  邮编 100007", "东城区"),
        ("地址 北京市 东城区 东四十条甲22号3门401  邮编 100007", "100007"),
        ("浙江省杭州市西湖区文三路478号 2单元301室", "文三路478"),
        ("東京都文京区本郷7-3-1", "本郷7-3-1"),
        ("文京区本郷七丁目3番1号", "3番1号"),
        ("서울특별시 송파구 올림픽로43길 88 아파트", "올림픽로43길 88"),
        ("88, Olympic-ro 43-gil, Songpa-gu", "Olympic"),
        ("Λεωφόρος Κηφισίας 12", "Κηφισίας"),
        ("Kızılay Mah. Atatürk Cad. No: 25/7", "Kızılay"),
    ],
)
def test_a_street_address_of_another_script_goes(text: str, gone: str) -> None:
    out = scrub_text(text).text
    assert gone not in out and "[ADDRESS]" in out, out


def test_a_cjk_address_after_its_label_ends_at_the_first_word_that_is_no_part_of_it() -> None:
    out = scrub_text("住址 浙江省杭州市西湖区文三路478号 复查").text
    assert out == "住址 [ADDRESS] 复查", out


@pytest.mark.parametrize("text", ["재검사로 3개월 후", "Sol böbrek; Total Mah; Follow-up; Non-Hodgkin; X-ray"])
def test_words_of_those_scripts_without_a_number_or_a_kind_stay(text: str) -> None:
    assert scrub_text(text).text == text


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("病人 欧阳巧云 电话13907715526", "欧阳巧云"),
        ("病人 欧阳巧云 电话13907715526", "13907715526"),
        ("患者氏名：山田花子 様", "山田花子"),
        ("환자명: 김민준", "김민준"),
        ("fax 608/555-0166", "555-0166"),
        ("email dh58[at]quillmail[dot]net", "quillmail"),
        ("write to jane (at) gmail (dot) com", "jane"),
    ],
)
def test_a_name_or_a_contact_of_those_forms_goes(text: str, gone: str) -> None:
    out = scrub_text(text).text
    assert gone not in out, out


def test_a_blood_pressure_and_look_at_stay() -> None:
    text = "BP 120/80; look at (the) image"
    assert scrub_text(text).text == text
