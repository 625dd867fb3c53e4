"""EmotionClassifier trained on a small labelled file with the real e5 encoder, outside a whole model."""
import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.datafiles.config_files import ConfigFileError
from bot.nlu.emotion_classifier import EmotionClassifier
from bot.nlu.emotion_data import load_examples
from bot.nlu.emotion_model import Cues, EmotionModel, char_ngrams, fit
from bot.service.emotion import EMOTIONS, emotion_of

EXAMPLES = """\
language: zh
examples:
  angry:
    - 你们这什么破服务,气死我了
    - 等了一个月还没发货,骗子
    - 客服根本不理人,太过分了
    - this is ridiculous, I want my money back now
    - worst service ever, I'm furious
    - you people are useless
  anxious:
    - 钱扣了订单却没有,怎么办,好着急
    - 账号好像被盗了,我很担心
    - 明天就要用,能不能快点,急
    - I'm worried my parcel is lost
    - please hurry, I need it tomorrow
    - someone logged into my account, I'm scared
  neutral:
    - 怎么开发票
    - 订单到哪了
    - 我想改一下地址
    - how do I return an item
    - where is my order
    - can I change my address
  satisfied:
    - 谢谢,问题解决了
    - 东西很好,很满意
    - 客服很耐心,点赞
    - thanks, that solved it
    - great service, very happy
    - love it, thank you
"""


@pytest.fixture(scope="module")
def context():
    return ExecutionContext(GraphSchema({}), "test-model")


@pytest.fixture
def examples_dir(tmp_path):
    directory = tmp_path / "emotion"
    directory.mkdir()
    (directory / "mixed.yml").write_text(EXAMPLES, encoding="utf-8")
    return directory


@pytest.fixture
def trained(tmp_path, examples_dir, context):
    (tmp_path / "model").mkdir()
    storage = LocalModelStorage(tmp_path / "model")
    resource = Resource("emotion")
    classifier = EmotionClassifier.create({"examples": str(examples_dir)}, storage, resource, context)
    classifier.train(TrainingData())
    return classifier, storage, resource


def test_it_labels_messages_and_puts_the_reading_into_the_parse(trained, context):
    _, storage, resource = trained
    loaded = EmotionClassifier.load({}, storage, resource, context)
    texts = ["服务太差了,气死人,骗子", "谢谢你,很满意", "I'm so worried, my account was hacked", "how do I get an invoice"]
    messages = loaded.process([Message(data={TEXT: text}) for text in texts])
    readings = [emotion_of(m.as_dict(only_output_properties=True)) for m in messages]
    assert [r.label for r in readings] == ["angry", "satisfied", "anxious", "neutral"]
    assert all(0.25 < r.score <= 1.0 for r in readings)


def test_an_empty_message_gets_no_reading_and_an_untrained_model_adds_nothing(trained, tmp_path, context):
    classifier, _, _ = trained
    (empty,) = classifier.process([Message(data={TEXT: ""})])
    assert emotion_of(empty.as_dict(only_output_properties=True)) is None
    untrained = EmotionClassifier.load({}, LocalModelStorage(tmp_path), Resource("none"), context)
    (message,) = untrained.process([Message(data={TEXT: "气死我了"})])
    assert emotion_of(message.as_dict(only_output_properties=True)) is None


def test_the_fingerprint_follows_the_examples_so_rasa_retrains_on_an_edit(examples_dir):
    config = {"examples": str(examples_dir)}
    before = EmotionClassifier.fingerprint_addon(config)
    assert EmotionClassifier.fingerprint_addon(config) == before
    (examples_dir / "more.yml").write_text("language: en\nexamples:\n  neutral: [hello]\n", encoding="utf-8")
    assert EmotionClassifier.fingerprint_addon(config) != before


def test_the_saved_model_predicts_as_the_fitted_one(tmp_path):
    texts = ["气死了", "太好了谢谢", "怎么退货", "急,怎么办"] * 3
    labels = ["angry", "satisfied", "neutral", "anxious"] * 3
    dense = np.random.default_rng(0).normal(size=(len(texts), 8))
    model = fit(texts, labels, dense, Cues(anger_words=("气死",)), C=1.0)
    model.save(tmp_path)
    again = EmotionModel.load(tmp_path)
    assert again.labels == sorted(EMOTIONS)
    for text, vector in zip(texts, dense, strict=True):
        assert again.probabilities(text, vector) == pytest.approx(model.probabilities(text, vector))
    with pytest.raises(ValueError, match="dense"):
        model.probabilities("气死了", np.zeros(5))


def test_cues_and_ngrams():
    cues = Cues(anger_words=("又是",), insults=("stupid",), threats=("sue",), punctuation_run=3, caps_words=2)
    assert cues.vector("又是这样!!!").tolist() == [1, 0, 0, 1, 0]
    assert cues.vector("the issue is STUPID AND SLOW").tolist() == [0, 1, 0, 0, 1]  # "sue" is not in "issue"
    assert "气死" in char_ngrams("气死 了") and " 了 " in char_ngrams("气死 了")


def test_a_malformed_file_or_an_unknown_label_is_refused_with_its_line(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("language: zh\nexamples:\n  angry: [气死]\n  furious:\n    - 气\n", encoding="utf-8")
    with pytest.raises(ConfigFileError, match=r"bad\.yml:5: unknown emotion 'furious'"):
        load_examples(tmp_path)
    bad.write_text("language: zh\nexamples:\n  angry: 气死\n", encoding="utf-8")
    with pytest.raises(ConfigFileError, match=r"bad\.yml:3"):
        load_examples(tmp_path)
