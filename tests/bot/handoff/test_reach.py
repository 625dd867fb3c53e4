"""How users are reached, in a real Redis: last message, language, open web chats, held news."""
from bot.handoff.reach import Held, UserReach
from tests.bot.settable_clock import START, Clock


def test_the_last_message_and_its_language_are_kept_and_a_message_without_words_keeps_the_language(redis_client):
    clock = Clock()
    reach = UserReach(redis_client, clock)
    assert reach.get("wx-1").channel == "" and reach.get("wx-1").last_user_at == 0
    reach.user_wrote("wx-1", "wechat", "en")
    clock.at(60)
    reach.user_wrote("wx-1", "wechat", None)  # a sticker, a number: no words
    seen = reach.get("wx-1")
    assert (seen.channel, seen.language, seen.last_user_at) == ("wechat", "en", START.timestamp() + 60)


def test_open_web_chats_are_counted_and_a_crashed_servers_count_lapses(redis_client):
    reach = UserReach(redis_client)
    reach.web_connected("s1")
    reach.web_connected("s1")  # a second tab
    reach.web_disconnected("s1")
    assert reach.get("s1").web_online and reach.get("s1").channel == "socketio"
    reach.web_disconnected("s1")
    reach.web_disconnected("s1")  # a disconnect seen twice never goes below none
    assert not reach.get("s1").web_online
    reach.web_connected("s1")
    assert 0 < redis_client.ttl("cs:reach:s1:sockets") <= 86400


def test_news_for_the_next_visit_is_taken_once(redis_client):
    reach = UserReach(redis_client)
    reach.keep_for_next_visit("s2", "工单已处理")
    reach.keep_for_next_visit("s2", "", intent="/return_visit")
    assert reach.take_for_visit("s2") == [Held("工单已处理", ""), Held("", "/return_visit")]
    assert reach.take_for_visit("s2") == []
