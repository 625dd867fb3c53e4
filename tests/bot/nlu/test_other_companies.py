"""Finding another company's name in a message."""
from bot.nlu.other_companies import LOOKUP_TABLE, CompanyNames
from bot.settings import PROJECT_ROOT


def test_latin_names_match_whole_words_whatever_the_case():
    names = CompanyNames(["ups", "PayPal", "booking.com", "at&t"])
    assert names.find("where is my UPS parcel") == "UPS"
    assert names.find("close my paypal account") == "paypal"
    assert names.find("I cancelled on Booking.com") == "Booking.com"
    assert names.find("my at&t bill") == "at&t"
    assert names.find("the groups chat") is None and names.find("paypals") is None


def test_chinese_names_match_anywhere_and_the_longest_wins():
    names = CompanyNames(["QQ", "QQ音乐", "微博"])
    assert names.find("QQ密码忘了") == "QQ"
    assert names.find("qq音乐会员怎么退") == "qq音乐"
    assert names.find("发微博说你们不好") == "微博"
    assert names.find("我的订单到哪了") is None


def test_no_names_find_nothing():
    assert CompanyNames([]).find("QQ") is None and CompanyNames(["", "  "]).names == ()


def test_the_lookup_table_is_read_from_rasa_tables_and_from_the_file(tmp_path):
    tables = [{"name": "city", "elements": ["上海"]}, {"name": LOOKUP_TABLE, "elements": ["微博", "ebay"]}]
    assert CompanyNames.from_lookup_tables(tables).names == ("微博", "ebay")
    path = tmp_path / "companies.yml"
    path.write_text('version: "3.1"\nnlu:\n  - lookup: other_company\n    examples: |\n      - 微博\n      - ebay\n'
                    "  - intent: greet\n    examples: |\n      - hi\n", encoding="utf-8")
    assert CompanyNames.from_files([path]).names == ("微博", "ebay")


def test_the_shipped_table_leaves_out_what_we_speak_for():
    names = CompanyNames.from_files([PROJECT_ROOT / "data" / "nlu" / "other_companies.yml"])
    assert len(names.names) > 100
    for ours in ["微信支付怎么用", "能用支付宝吗", "银联卡可以吗", "花呗分期", "how do I pay with WeChat", "telegram bot"]:
        assert names.find(ours) is None, ours
    for theirs in ["滴滴怎么开发票", "how do I delete my facebook account", "腾讯视频会员怎么关"]:
        assert names.find(theirs) is not None, theirs
