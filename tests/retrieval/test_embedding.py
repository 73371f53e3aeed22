"""The bundled embedder: unit vectors, a bfloat16 path that agrees with float32, and lone texts
through ONNX Runtime that get torch's float32 vectors."""

import numpy as np
import pytest

from memos_service import lone_text
from memos_service.embedding import SentenceTransformerEmbedder, cpu_multiplies_bfloat16

TEXTS = ["Ana moved to Porto last spring.", "What is the boiler code?", "ok", "I love sourdough bread " * 20]


@pytest.fixture(scope="module")
def float32() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(precision="float32")


def test_vectors_are_unit_length_and_batching_changes_nothing(float32):
    together = float32.embed(TEXTS)
    one_by_one = np.vstack([float32.embed([text]) for text in TEXTS])
    assert together.shape == (len(TEXTS), float32.dimension) and together.dtype == np.float32
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert np.allclose(together, one_by_one, atol=1e-4)


def test_bfloat16_products_give_the_float32_vectors(float32):
    bfloat16 = SentenceTransformerEmbedder(precision="bfloat16")
    assert bfloat16.precision == "bfloat16"
    cosines = (bfloat16.embed(TEXTS) * float32.embed(TEXTS)).sum(axis=1)
    assert cosines.min() >= 0.999
    # Ranks agree: the nearest text to each query is the same in both precisions.
    queries = ["where does Ana live?", "bread"]
    assert ((bfloat16.embed(queries) @ bfloat16.embed(TEXTS).T).argmax(axis=1)
            == (float32.embed(queries) @ float32.embed(TEXTS).T).argmax(axis=1)).all()


def torch_float32(embedder: SentenceTransformerEmbedder, texts: list[str]) -> np.ndarray:
    vectors = embedder._model.encode(texts, convert_to_numpy=True)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_a_lone_text_goes_through_onnx_runtime_and_gets_torchs_float32_vector(float32):
    # A search query embeds one text: ONNX Runtime is the faster path there, and gives float32's
    # vector beside bfloat16 batches, short text or long.
    bfloat16 = SentenceTransformerEmbedder(precision="bfloat16")
    assert bfloat16._lone is not None
    expected = torch_float32(float32, TEXTS)
    for text, vector in zip(TEXTS, expected, strict=True):
        assert np.allclose(bfloat16.embed([text])[0], vector, atol=1e-5)
    assert not np.allclose(bfloat16.embed(TEXTS[:2])[0], expected[0], atol=1e-5)


def test_lone_texts_go_through_torch_when_onnx_runtime_disagrees(float32, monkeypatch):
    monkeypatch.setattr(lone_text, "MIN_COSINE", 1.01)  # no runtime can agree this well
    embedder = SentenceTransformerEmbedder(precision="float32")
    assert embedder._lone is None
    assert np.allclose(embedder.embed([TEXTS[1]]), torch_float32(float32, TEXTS[1:2]), atol=1e-6)


def test_auto_takes_bfloat16_only_where_the_cpu_multiplies_it():
    assert SentenceTransformerEmbedder(precision="auto").precision == ("bfloat16" if cpu_multiplies_bfloat16() else "float32")


def test_counting_tokens_while_embedding_on_other_threads(float32):
    # The fast tokenizer refuses concurrent use ("Already borrowed"); answer context counts tokens on
    # request threads while searches and batches embed on others.
    from concurrent.futures import ThreadPoolExecutor

    text = "Caroline went to the LGBTQ support group on 7 May 2023 and felt accepted there."
    expected = float32.count_tokens(text)
    with ThreadPoolExecutor(8) as pool:
        embeds = [pool.submit(float32.embed, [text] * (1 + n % 3)) for n in range(40)]
        counts = [pool.submit(float32.count_tokens, text) for _ in range(400)]
        assert {future.result() for future in counts} == {expected}
        assert all(future.result().shape[1] == float32.dimension for future in embeds)
