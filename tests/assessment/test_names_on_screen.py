"""Veto items are named on screen, never by their keys."""

from survey_app.assessment.queries import load_scheme, veto_reason_named


def test_veto_reason_names_the_item_in_the_page_language(app):
    with app.app_context():
        scheme = load_scheme("default")
    item = scheme.veto[0]
    stored = f"{item.key}: 主席违纪;{item.key}"
    assert veto_reason_named(scheme, stored, "zh") == f"{item.name.zh}：主席违纪; {item.name.zh}"
    assert veto_reason_named(scheme, stored, "en").startswith(f"{item.name.en}: 主席违纪")
    assert item.key not in veto_reason_named(scheme, stored, "zh")
    assert veto_reason_named(scheme, "", "zh") == ""
