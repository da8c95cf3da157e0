"""The page vocabulary: one meaning per key, both languages present."""

from anxin.web import i18n
from anxin.work_order.states import MOVES, Status


def test_no_key_means_two_things() -> None:
    keys = [key for table in (i18n.WORDS, i18n.STATUS, i18n.ACTIONS) for key in table]
    assert len(keys) == len(set(keys))


def test_every_state_and_move_has_both_languages() -> None:
    for status in Status:
        assert i18n.translate("zh", status.value) != status.value
        assert i18n.translate("en", status.value) != status.value
    for action in MOVES:
        assert i18n.translate("zh", action) != action, action
