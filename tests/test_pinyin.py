from core.pinyin import pinyin_full, pinyin_initials, search_keys


def test_initials_of_a_chinese_name():
    assert pinyin_initials("张三") == "zs"


def test_full_pinyin_of_a_chinese_name():
    assert pinyin_full("峪口村") == "yukoucun"


def test_search_keys_hold_both_forms_and_keep_latin_letters():
    assert search_keys("方山县ABC煤业") == "fsxabcmy fangshanxianabcmeiye"
