import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.faq import ActionAnswerFaq
from bot.knowledge.base import KnowledgeBase
from bot.settings import PROJECT_ROOT
from tests.actions.conftest import make_tracker


@pytest.fixture(scope="module")
def knowledge():
    return KnowledgeBase.load(PROJECT_ROOT / "data" / "faq")


async def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    return dispatcher.messages, events


@pytest.mark.parametrize("language", ["zh", "en"])
async def test_answers_in_three_parts_in_the_users_language(knowledge, language):
    tracker = make_tracker("密码怎么改", slots={"language": language}, response_key="faq/change_password")
    messages, events = await run(ActionAnswerFaq(knowledge), tracker)
    assert events == []
    [message] = messages
    expected = knowledge.get("change_password").answer(language)
    assert message["response"] == "utter_faq_answer"
    assert message["conclusion"] == expected.conclusion
    assert message["reasoning"] == expected.reasoning
    assert message["steps"].splitlines()[0].startswith("1. ")
    assert len(message["steps"].splitlines()) == len(expected.steps)
    # Markdown hard line breaks, so rasa-webchat keeps the steps on their own lines.
    assert all(line.endswith("  ") for line in message["steps"].split("\n")[:-1])


async def test_an_unknown_entry_gets_a_polite_reply_not_a_crash(knowledge):
    tracker = make_tracker("?", response_key="faq/removed_entry")
    messages, _ = await run(ActionAnswerFaq(knowledge), tracker)
    assert [m["response"] for m in messages] == ["utter_faq_not_found"]


async def test_no_selector_output_gets_the_same_polite_reply(knowledge):
    messages, _ = await run(ActionAnswerFaq(knowledge), make_tracker("hello", intent="greet"))
    assert [m["response"] for m in messages] == ["utter_faq_not_found"]

